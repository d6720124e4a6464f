// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl check: guest tables against the host side; every rule, one line a finding. */
#include <json-c/json.h>

#include "cli/cli.h"
#include "vmm/host.h"

static void print_check_json(const struct vtd_model *m)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "findings", json_findings(m));
	json_object_object_add(o, "host", host_json_summary(m->host));
	json_print(stdout, o, g.out.pretty);
}

static void print_check_text(const struct vtd_model *m)
{
	size_t pasids = 0;

	for (size_t i = 0; i < m->nr_devices; i++)
		pasids += m->devices[i].nr_pasids;
	if (m->nr_findings) {
		/* text_findings() prints a "findings:" header, then one line each */
		text_findings(text_stdout(), m);
		return;
	}
	printf("clean: %zu devices, %zu present PASID entries, host side %s\n",
	       m->nr_devices, pasids, m->host ? "checked" : "unknown");
}

int do_check(int argc, char **argv)
{
	struct vtd_source *src;
	struct vtd_model m;
	int rc;

	src = open_inspect("check", argc, argv,
			   VTD_STAGE_VMM | VTD_STAGE_HOST | VTD_STAGE_CHECK, &m);
	if (!src)
		return EXIT_FATAL;
	if (g.out.json)
		print_check_json(&m);
	else
		print_check_text(&m);
	rc = exit_status_of(&m);
	vtd_model_free(&m);
	source_close(src);
	return rc;
}
