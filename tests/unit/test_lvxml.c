// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libvirt domain XML: scalable mode asked for on the intel-iommu device in
 * <qemu:commandline>, under QEMU 7.2/10.0's name (x-scalable-mode) and 11.1's
 * (scalable-mode), in the -device forms QEMU accepts (key=value list and JSON)
 * and as -global intel-iommu.NAME=VALUE (tests/lib/libvirtd.py's form),
 * and the values it reads as on (on, true, yes).
 */
#include <stdio.h>
#include <string.h>

#include "libvirt/lv.h"
#include "unit.h"

/* -device ARG (or, with global set, -global ARG beside -device intel-iommu) */
static int scalable_in(const char *opt, const char *arg)
{
	char xml[1024], err[128];
	struct lv_domain_facts f;

	snprintf(xml, sizeof(xml),
		 "<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>"
		 "<memory unit='MiB'>512</memory>"
		 "<os><type machine='q35'>hvm</type></os>"
		 "<qemu:commandline><qemu:arg value='-device'/>"
		 "<qemu:arg value='intel-iommu'/><qemu:arg value='%s'/>"
		 "<qemu:arg value='%s'/></qemu:commandline></domain>", opt, arg);
	memset(&f, 0, sizeof(f));
	if (lv_parse_domain_xml(xml, &f, err, sizeof(err)))
		return -1;
	return f.intel_iommu ? f.scalable : -2;
}

static int scalable(const char *arg)
{
	return scalable_in("-device", arg);
}

int main(void)
{
	CHECK(scalable_in("-global", "intel-iommu.x-scalable-mode=on") == 1);
	CHECK(scalable_in("-global", "intel-iommu.scalable-mode=on") == 1);
	CHECK(scalable_in("-global", "intel-iommu.scalable-mode=off") == 0);
	CHECK(scalable("intel-iommu,x-scalable-mode=on") == 1);
	CHECK(scalable("intel-iommu,scalable-mode=on") == 1);
	CHECK(scalable("intel-iommu,intremap=on,scalable-mode=true,fsts=on") == 1);
	CHECK(scalable("intel-iommu,x-scalable-mode=yes") == 1);
	CHECK(scalable("{&quot;driver&quot;:&quot;intel-iommu&quot;,&quot;scalable-mode&quot;:true}") == 1);
	CHECK(scalable("{&quot;driver&quot;:&quot;intel-iommu&quot;,&quot;x-scalable-mode&quot;:&quot;on&quot;}") == 1);
	CHECK(scalable("intel-iommu") == 0);
	CHECK(scalable("intel-iommu,scalable-mode=off") == 0);
	CHECK(scalable("intel-iommu,x-scalable-mode=false") == 0);
	CHECK(scalable("intel-iommu,scalable-mode=onx") == 0);
	CHECK(scalable("intel-iommu,notscalable-mode=on") == 0);
	CHECK(scalable("intel-iommu,y-scalable-mode=on") == 0);
	CHECK(scalable("{&quot;driver&quot;:&quot;intel-iommu&quot;,&quot;scalable-mode&quot;:false}") == 0);
	return unit_summary();
}
