# bash completion for vtdctl(8)                            -*- shell-script -*-
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The command and option lists are those of `vtdctl help`; tests/check-docs
# fails when they differ. Dynamic values come from vtdctl itself: --vm names
# from `vtdctl list -j`, BDFs and PASIDs from `vtdctl -j dump` on the target
# given on the line.

_vtdctl_commands='dump regs faults iq xlate ir check snapshot record diff log timeline list watch
    shell batch version help'
# options that take a value, and those that do not
_vtdctl_value_opts='--qmp --core --rtaddr --vm -c --connect --snapshot -s
    --slot --pasid --did -n --count -o --output -i --interval --timeout
    --max-entries --max-findings --max-ranges --max-output --trace --at
    --duration --max-size --keep --keyframe --since --until'
_vtdctl_flag_opts='-j --json -p --pretty -v --verbose --no-monitor --all
    --pages --consistent --pause --no-host --no-proc-mem --color --all-findings -h --help
    -V --version'

# The target options on the line, for a dump that lists BDFs and PASIDs.
_vtdctl_target_args()
{
    local i w
    for ((i = 1; i < ${#words[@]}; i++)); do
        w=${words[i]}
        case $w in
            --qmp=* | --core=* | --rtaddr=* | --vm=* | --connect=* | --snapshot=* | \
                --trace=* | --at=*)
                printf '%s\n' "$w" ;;
            --qmp | --core | --rtaddr | --vm | -c | --connect | --snapshot | --trace | --at)
                ((i + 1 < cword)) && printf '%s\n' "$w" "${words[i + 1]}"
                ((i++)) ;;
        esac
    done
}

# JSON of `vtdctl TARGET -j dump [ARGS]`, or nothing.
_vtdctl_dump()
{
    local -a target
    mapfile -t target < <(_vtdctl_target_args)
    ((${#target[@]})) || return
    "${words[0]}" "${target[@]}" --timeout=3000 -j dump "$@" 2>/dev/null
}

_vtdctl_bdfs()
{
    _vtdctl_dump | grep -o '"bdf": *"[0-9a-f:.]*"' | sed 's/.*"\([0-9a-f:.]*\)"$/\1/' |
        sort -u
}

# PASIDs of the device -s names on the line (all devices without one).
_vtdctl_pasids()
{
    local i slot=()
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            -s | --slot) slot=(-s "${words[i + 1]}") ;;
            --slot=*) slot=("${words[i]}") ;;
        esac
    done
    _vtdctl_dump "${slot[@]}" | grep -o '"pasid": *[0-9][0-9]*' | sed 's/.*: *//' |
        sort -nu
}

_vtdctl_vms()
{
    local uri=() i
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            -c | --connect) uri=(-c "${words[i + 1]}") ;;
            --connect=*) uri=("${words[i]}") ;;
        esac
    done
    { "${words[0]}" "${uri[@]}" -j list 2>/dev/null ||
        virsh "${uri[@]}" list --all --name 2>/dev/null |
        sed 's/.*/"name": "&"/'; } |
        grep -o '"name": *"[^"]*"' | sed 's/^"name": *"\(.*\)"$/\1/'
}

# The value of option $1 is being completed (cur holds it).
_vtdctl_value()
{
    case $1 in
        --core | --snapshot | --trace | -o | --output)
            _filedir
            ;;
        --qmp)
            _filedir
            ;;
        --vm)
            COMPREPLY=($(compgen -W "$(_vtdctl_vms)" -- "$cur"))
            ;;
        -s | --slot)
            COMPREPLY=($(compgen -W "$(_vtdctl_bdfs)" -- "$cur"))
            __ltrim_colon_completions "$cur"
            ;;
        --pasid)
            COMPREPLY=($(compgen -W "$(_vtdctl_pasids)" -- "$cur"))
            ;;
        -c | --connect)
            COMPREPLY=($(compgen -W "qemu:///system qemu:///session" -- "$cur"))
            ;;
    esac
}

_vtdctl()
{
    local cur prev words cword split
    _init_completion -s -n : || return

    # the list, one space between words and around it
    local vopts=" $(printf '%s ' $_vtdctl_value_opts)"
    if [[ $vopts == *" $prev "* ]] || $split; then
        _vtdctl_value "$prev"
        return
    fi

    # The command: the first word that is neither a global option nor the
    # value of one; the positional words after it.
    local i w cmd='' npos=0
    for ((i = 1; i < cword; i++)); do
        w=${words[i]}
        if [[ $vopts == *" $w "* ]]; then
            ((i++))
        elif [[ $w == -* ]]; then
            continue
        elif [[ $cmd ]]; then
            npos=$((npos + 1))
        else
            cmd=$w
        fi
    done

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$_vtdctl_value_opts $_vtdctl_flag_opts" -- "$cur"))
        local o
        for o in "${!COMPREPLY[@]}"; do
            [[ ${COMPREPLY[o]} == --* &&
                $vopts == *" ${COMPREPLY[o]} "* ]] &&
                COMPREPLY[o]+='='
        done
        [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *= ]] && compopt -o nospace
        return
    fi

    case $cmd in
        '')
            COMPREPLY=($(compgen -W "$_vtdctl_commands" -- "$cur"))
            ;;
        help)
            ((npos == 0)) && COMPREPLY=($(compgen -W "$_vtdctl_commands" -- "$cur"))
            ;;
        batch | diff)
            _filedir
            ;;
        xlate)
            ((npos == 1)) && COMPREPLY=($(compgen -W "read write" -- "$cur"))
            ;;
    esac
} &&
    complete -F _vtdctl vtdctl

# ex: filetype=sh
