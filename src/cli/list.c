// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl list: libvirt domains with an Intel IOMMU (running ones; with --all
 * also the inactive ones, as virsh list --all). The JSON is what the bash
 * completion of --vm= reads:
 *   {"uri": "...", "domains": [{"name", "uuid", "id": N | null, "state",
 *                               "scalable": bool}]}
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli/cli.h"
#include "libvirt/lv.h"

static struct json_object *domain_json(const struct lv_dom_info *d)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(d->name));
	json_object_object_add(o, "uuid", json_object_new_string(d->uuid));
	json_object_object_add(o, "id", d->id >= 0 ? json_object_new_int(d->id) : NULL);
	json_object_object_add(o, "state", json_object_new_string(lv_state_name(d->state)));
	json_object_object_add(o, "scalable", json_object_new_boolean(d->scalable));
	return o;
}

static void show_list_json(const char *uri, const struct lv_dom_info *d, size_t n)
{
	struct json_object *o = json_object_new_object(), *a = json_object_new_array();

	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, domain_json(&d[i]));
	json_object_object_add(o, "uri", json_object_new_string(uri));
	json_object_object_add(o, "domains", a);
	json_print(stdout, o, g.out.pretty);
}

static void show_list_plain(const struct lv_dom_info *d, size_t n)
{
	int w = 4;

	for (size_t i = 0; i < n; i++)
		if ((int)strlen(d[i].name) > w)
			w = (int)strlen(d[i].name);
	printf(" %-5s %-*s  %-12s %-8s %s\n", "Id", w, "Name", "State", "Mode", "UUID");
	for (size_t i = 0; i < n; i++) {
		char id[16] = "-";

		if (d[i].id >= 0)
			snprintf(id, sizeof(id), "%d", d[i].id);
		fprintf(text_stdout(), " %-5s %-*s  %-12s %-8s %s\n", id, w, d[i].name,
		       lv_state_name(d[i].state), d[i].scalable ? "scalable" : "legacy",
		       d[i].uuid);
	}
}

/* `list` and `list --all` (src/cli/all.c sends the latter here). */
int list_domains(bool include_inactive)
{
	const char *uri = lv_default_uri(g.virt_opts.uri);
	struct lv_dom_info *d;
	virConnectPtr conn;
	char err[512];
	size_t n;

	conn = lv_connect(uri, true, err, sizeof(err));
	if (!conn) {
		report_error("list: %s", err);
		return EXIT_FATAL;
	}
	if (lv_iommu_domains(conn, !include_inactive, &d, &n, err, sizeof(err))) {
		report_error("list: %s", err);
		LV(virConnectClose)(conn);
		return EXIT_FATAL;
	}
	if (g.out.json)
		show_list_json(uri, d, n);
	else
		show_list_plain(d, n);
	free(d);
	LV(virConnectClose)(conn);
	return EXIT_OK;
}

int do_list(int argc, char **argv)
{
	if (no_args("list", argc, argv))
		return EXIT_FATAL;
	return list_domains(false);
}
