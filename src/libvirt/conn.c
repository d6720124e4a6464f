// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl: libvirt connections, URIs, domain states and XML facts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libvirt/lv.h"

const char *lv_default_uri(const char *uri)
{
	const char *env = getenv("LIBVIRT_DEFAULT_URI");

	if (uri && *uri)
		return uri;
	if (env && *env)
		return env;
	return geteuid() == 0 ? "qemu:///system" : "qemu:///session";
}

/*
 * driver[+transport]://[user@][host][:port]/path[?query]: local when there is
 * no host and the transport (if any) is "unix". qemu:///system and
 * qemu+unix:///system?socket=... are local; qemu+ssh://h/system,
 * qemu+tcp://127.0.0.1/system are not (the QEMU may be elsewhere, or in
 * another pid namespace: only libvirt reaches it).
 */
bool lv_uri_is_local(const char *uri)
{
	const char *colon = strchr(uri, ':'), *plus = strchr(uri, '+');
	const char *host;

	if (!colon)
		return false;
	if (plus && plus < colon && (colon - plus - 1 != 4 || strncmp(plus + 1, "unix", 4)))
		return false;
	if (strncmp(colon, "://", 3))
		return false;
	host = colon + 3;
	return *host == '/';
}

static void silent(void *data, virErrorPtr e)
{
}

const char *lv_last_error(void)
{
	const char *m = lv_fn.virGetLastErrorMessage ?
			LV(virGetLastErrorMessage)() : NULL;

	return m ? m : "unknown libvirt error";
}

virConnectPtr lv_connect(const char *uri, bool readonly, char *err, size_t errlen)
{
	virConnectPtr c;

	if (lv_load(err, errlen))
		return NULL;
	LV(virSetErrorFunc)(NULL, silent);	/* library code never prints */
	c = readonly ? LV(virConnectOpenReadOnly)(uri) : LV(virConnectOpen)(uri);
	if (!c)
		snprintf(err, errlen, "cannot connect to %s: %s", uri, lv_last_error());
	return c;
}

const char *lv_state_name(int state)
{
	switch (state) {
	case VIR_DOMAIN_RUNNING:     return "running";
	case VIR_DOMAIN_BLOCKED:     return "idle";
	case VIR_DOMAIN_PAUSED:	     return "paused";
	case VIR_DOMAIN_SHUTDOWN:    return "in shutdown";
	case VIR_DOMAIN_SHUTOFF:     return "shut off";
	case VIR_DOMAIN_CRASHED:     return "crashed";
	case VIR_DOMAIN_PMSUSPENDED: return "pmsuspended";
	default:		     return "no state";
	}
}

int lv_domain_facts(virDomainPtr dom, struct lv_domain_facts *f, char *err,
		    size_t errlen)
{
	char *xml = LV(virDomainGetXMLDesc)(dom, 0);
	int rc;

	if (!xml) {
		snprintf(err, errlen, "%s: domain XML: %s", LV(virDomainGetName)(dom),
			 lv_last_error());
		return -EIO;
	}
	rc = lv_parse_domain_xml(xml, f, err, errlen);
	free(xml);
	return rc ? -1 : 0;
}

static int info_cmp(const void *a, const void *b)
{
	return strcmp(((const struct lv_dom_info *)a)->name,
		      ((const struct lv_dom_info *)b)->name);
}

/* Fill one entry; false if the domain has no Intel IOMMU or vanished. */
static bool iommu_domain_info(virDomainPtr dom, struct lv_dom_info *i)
{
	struct lv_domain_facts f;
	char err[256];
	int state = VIR_DOMAIN_NOSTATE, reason;
	unsigned int id;

	if (lv_domain_facts(dom, &f, err, sizeof(err)) || !f.intel_iommu)
		return false;
	if (LV(virDomainGetState)(dom, &state, &reason, 0) ||
	    LV(virDomainGetUUIDString)(dom, i->uuid))
		return false;
	snprintf(i->name, sizeof(i->name), "%s", LV(virDomainGetName)(dom));
	id = LV(virDomainGetID)(dom);
	i->id = id == (unsigned int)-1 ? -1 : (int)id;
	i->state = state;
	i->scalable = f.scalable;
	return true;
}

int lv_iommu_domains(virConnectPtr conn, bool running_only,
		     struct lv_dom_info **out, size_t *n, char *err, size_t errlen)
{
	virDomainPtr *doms = NULL;
	int nr = LV(virConnectListAllDomains)(conn, &doms, running_only ?
					  VIR_CONNECT_LIST_DOMAINS_ACTIVE : 0);

	*out = NULL;
	*n = 0;
	if (nr < 0) {
		snprintf(err, errlen, "cannot list domains: %s", lv_last_error());
		return -EIO;
	}
	*out = calloc(nr ? nr : 1, sizeof(**out));
	for (int i = 0; i < nr; i++) {
		if (*out && iommu_domain_info(doms[i], &(*out)[*n]))
			(*n)++;
		LV(virDomainFree)(doms[i]);
	}
	free(doms);
	if (!*out) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	qsort(*out, *n, sizeof(**out), info_cmp);
	return 0;
}
