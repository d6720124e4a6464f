/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: what the libvirt source, `list` and `--all` share (src/libvirt/). */
#ifndef VTDCTL_LV_H
#define VTDCTL_LV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libvirt/api.h"
#include "libvirt/source.h"

#include "source/source.h"

/*
 * virDomainMemoryPeek's per-call cap: the remote protocol's
 * REMOTE_DOMAIN_MEMORY_PEEK_BUFFER_MAX, which every qemu:// connection goes
 * through (libvirt 9.0 refuses more with "memory peek request too large for
 * remote protocol, N > 4194304").
 */
#define LV_PEEK_MAX	(4u << 20)

/* What vtdctl needs from a domain's XML (virDomainGetXMLDesc). */
struct lv_domain_facts {
	bool intel_iommu;	/* <iommu model='intel'> or -device intel-iommu */
	bool scalable;		/* intel-iommu (x-)scalable-mode=on in qemu:commandline */
	uint64_t memory;	/* <memory>, bytes */
	uint64_t dimm_memory;	/* sum of <devices><memory> (hotplugged) sizes */
	char machine[64];	/* <os><type machine=...> */
};

/* Parse the facts; -EINVAL with a message for XML that is not a domain. */
int lv_parse_domain_xml(const char *xml, struct lv_domain_facts *f,
			char *err, size_t errlen);

/*
 * Guest RAM of a q35 machine from its boot RAM size, without asking QEMU:
 * [0, 640 KiB) and [1 MiB, below_4g) and [4 GiB, 4 GiB + above_4g), where
 * below_4g is all RAM if RAM < 0xb0000000 and 2 GiB otherwise (pc_q35_init;
 * no max-ram-below-4g). The legacy hole 640 KiB - 1 MiB (VGA, option ROMs,
 * BIOS; PAM decides per 16 KiB what is RAM there) is left out. Returns the
 * number of ranges (up to 3), 0 if ram is 0.
 */
size_t lv_q35_ram_ranges(uint64_t ram, struct ram_range out[3]);

/* The URI virsh would use: uri, else $LIBVIRT_DEFAULT_URI, else
 * qemu:///system for root and qemu:///session for anyone else. */
const char *lv_default_uri(const char *uri);
/* True when the URI names no remote host and no remote transport. */
bool lv_uri_is_local(const char *uri);

/* Connect (read-only or not) with libvirt's own error printing silenced;
 * NULL with the message in err. */
virConnectPtr lv_connect(const char *uri, bool readonly, char *err, size_t errlen);
/* libvirt's last error message, never NULL. */
const char *lv_last_error(void);
/* "running", "paused", "shut off", ... as virsh names domain states. */
const char *lv_state_name(int state);
/* The domain's XML facts; -1 with the message in err. */
int lv_domain_facts(virDomainPtr dom, struct lv_domain_facts *f, char *err,
		    size_t errlen);

/* A domain with an Intel IOMMU, as `list` and `--all` see it. */
struct lv_dom_info {
	char name[256];
	char uuid[VIR_UUID_STRING_BUFLEN];
	int id;			/* -1 when not running */
	int state;		/* VIR_DOMAIN_* */
	bool scalable;
};

/* The domains with an Intel IOMMU on conn (running ones only, or all),
 * sorted by name; *out is malloc'd. -1 with the message in err. Domains
 * that vanish while being listed are left out. */
int lv_iommu_domains(virConnectPtr conn, bool running_only,
		     struct lv_dom_info **out, size_t *n, char *err, size_t errlen);

/* vtdctl list, with or without the inactive domains (src/cli/list.c). */
int list_domains(bool include_inactive);

/*
 * The one line a first monitor use says on stderr (libvirt then marks the
 * domain tainted). Library code does not print: this hook does, and a caller
 * may replace it (NULL: say nothing). The default writes "vtdctl: MSG\n".
 */
extern void (*libvirt_notice)(const char *msg);

#endif
