// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl: inspect a VM's Intel VT-d state from the host.
 * The pipeline is source -> walker -> model -> vmm -> check -> output;
 * docs/HACKING.md maps it. Everything below main() lives in libvtd.a.
 */
#include "cli/cli.h"

int main(int argc, char **argv)
{
	return cli_main(argc, argv);
}
