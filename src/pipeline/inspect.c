// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl: the pipeline: walk, VMM facts, host side, check (inspect.h). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "check/check.h"
#include "pipeline/inspect.h"
#include "source/source.h"
#include "vmm/host.h"
#include "vmm/vmm.h"

#define CONSISTENT_TRIES 5

static int walk_once(struct vtd_source *src, const struct vtd_inspect_opts *o,
		     struct vtd_model *m)
{
	return o->consistent ?
	       vtd_walk_consistent(src, &o->walk, m, CONSISTENT_TRIES) :
	       vtd_walk(src, &o->walk, m);
}

/*
 * --pause stops the VM's CPUs for the walk and always resumes them, also
 * on errors; SIGINT/SIGTERM/SIGHUP are held until the VM runs again.
 */
static int walk_paused(struct vtd_source *src, const struct vtd_inspect_opts *o,
		       struct vtd_model *m)
{
	char why[sizeof(src->error)];
	sigset_t block, old;
	bool was = false;
	int err, rerr;

	if (!src->ops->set_running) {
		source_set_error(src, "--pause is not supported on a %s target",
				 src->ops->kind);
		return -ENOTSUP;
	}
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &old);
	err = src->ops->set_running(src, false, &was);
	if (!err)
		err = walk_once(src, o, m);
	if (err)
		snprintf(why, sizeof(why), "%s", source_strerror(src, err));
	rerr = was ? src->ops->set_running(src, true, NULL) : 0;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (rerr) {
		source_set_error(src, "%s%sthe VM is still paused: vtdctl stopped it for --pause and could not resume it (%s); resume it with QMP \"cont\", HMP \"c\" or virsh resume",
				 err ? why : "", err ? "; " : "",
				 source_strerror(src, rerr));
		if (!err)
			vtd_model_free(m);
		return err ? err : rerr;
	}
	if (err && was)
		source_set_error(src, "%s (the VM stopped for --pause runs again)",
				 why);
	return err;
}

/* The message of a failed stage, prefixed with the stage's name. */
static int stage_failed(struct vtd_source *src, const char *stage, int err)
{
	char msg[sizeof(src->error)];

	snprintf(msg, sizeof(msg), "%s", source_strerror(src, err));
	source_set_error(src, "%s: %s", stage, msg);
	return err;
}

static int collect_host(struct vtd_source *src, struct vtd_model *m)
{
	struct vtd_host *h = NULL;
	int err = vtd_host_collect(src, m, &h);

	if (err < 0)
		return stage_failed(src, "host side", err);
	vtd_host_free(m->host);
	m->host = h;
	return 0;
}

static int run_rules(struct vtd_source *src, struct vtd_model *m)
{
	m->nr_findings = m->nr_walk_findings;	/* the rules' findings, afresh */
	if (vtd_check_run(m, m->host) < 0) {
		source_set_error(src, "check: out of memory");
		return -ENOMEM;
	}
	vtd_recount_device_findings(m);
	return 0;
}

int vtd_inspect_again(struct vtd_source *src, unsigned stages,
		      struct vtd_model *m)
{
	int err = 0;

	if (stages & VTD_STAGE_HOST)
		err = collect_host(src, m);
	if (!err && (stages & VTD_STAGE_CHECK))
		err = run_rules(src, m);
	return err;
}

void vtd_describe_source(const struct vtd_source *src,
			struct vtd_model_source *s)
{
	snprintf(s->kind, sizeof(s->kind), "%s", src->ops->kind);
	snprintf(s->target, sizeof(s->target), "%s", src->target);
	snprintf(s->access, sizeof(s->access), "%s",
		 src->access ? src->access : "");
	snprintf(s->format, sizeof(s->format), "%s",
		 src->format ? src->format : "");
	s->pages_left_out = src->pages_left_out;
	snprintf(s->access_why, sizeof(s->access_why), "%s", src->access_why);
	s->calls = src->nr_calls;
}

/* A snapshot that was cut short to its limits when written says so. */
static void note_incomplete(const struct vtd_source *src, struct vtd_model *m)
{
	if (src->incomplete[0])
		vtd_add_finding(m, VTD_SEV_WARNING, "snapshot_truncated",
				VTD_NO_BDF, VTD_NO_BDF, VTD_NO_PASID, 0,
				"snapshot cut short when taken: %s; what it left out reads as not recorded",
				src->incomplete);
}

int vtd_inspect(struct vtd_source *src, const struct vtd_inspect_opts *o,
		struct vtd_model *out)
{
	int err;

	memset(out, 0, sizeof(*out));
	err = o->pause ? walk_paused(src, o, out) : walk_once(src, o, out);
	if (!err) {
		note_incomplete(src, out);
		out->nr_walk_findings = out->nr_findings;
	}
	if (!err && (o->stages & VTD_STAGE_VMM))
		err = vtd_vmm_collect(src, &out->vmm);
	if (!err)
		err = vtd_inspect_again(src, o->stages & ~VTD_STAGE_VMM, out);
	if (err < 0)
		vtd_model_free(out);
	else
		vtd_describe_source(src, &out->source);
	return err;
}
