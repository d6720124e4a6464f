// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The host side: the `info mtree` parser on text captured from real QEMUs
 * (tests/fixtures/mtree-*.txt: 7.2 and 10.0 running Linux, 7.2 stopped with
 * -S), and the whole collection path (vtd_host_collect_env over a source's
 * monitor) on replies recorded by hand from QEMU's QAPI schema and source
 * for a vfio-pci device with an iommufd backend, which no machine here has;
 * /proc/PID/fd and sysfs are a tree made in a temporary directory.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm/host.h"
#include "source/source.h"
#include "unit.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static size_t count_x(const struct mtree_vtd *v, size_t n, enum host_xlate x)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		c += v[i].xlate == x;
	return c;
}

/* The test guest's topology (tests/lib/guest.py): 13 PCI functions, every
 * one with its vtd-SS.F address space, a bus master alias and a section. */
static void test_mtree_linux(const char *file)
{
	struct mtree_info mi;
	char *text = slurp(file), err[128];
	size_t n00 = 0;

	CHECK(text != NULL);
	if (!text)
		return;
	CHECK(host_parse_mtree(text, &mi, err, sizeof(err)) == 0);
	CHECK(mi.nr_as == 13);
	CHECK(count_x(mi.as, mi.nr_as, HOST_XLATE_DMAR) == 13);
	CHECK(mi.nr_aliases == 13);
	CHECK(mi.nr_sections == 13);
	for (size_t i = 0; i < mi.nr_as; i++)
		n00 += mi.as[i].devfn == 0 && mi.as[i].pasid == HOST_NO_PASID;
	CHECK(n00 == 3);	/* 00:00.0, 01:00.0, 02:00.0 */
	for (size_t i = 0; i < mi.nr_aliases; i++)
		CHECK(!strncmp(mi.aliases[i].owner, "/machine/", 9));
	host_mtree_free(&mi);
	free(text);
}

/* QEMU 11.1 prints "container" where 7.2 printed "i/o" for vtd-SS.F and the
 * vtd-nodmar aliases: the type is not what tells them apart. */
static void test_mtree_paused(const char *file)
{
	struct mtree_info mi;
	char *text = slurp(file), err[128];
	bool rp1 = false;

	CHECK(text != NULL);
	if (!text)
		return;
	CHECK(host_parse_mtree(text, &mi, err, sizeof(err)) == 0);
	/* mch, ahci, lpc, smbus, edu 03.0, rp1 05.0, edu behind it */
	CHECK(mi.nr_as == 7);
	CHECK(count_x(mi.as, mi.nr_as, HOST_XLATE_NODMAR) == 7);
	CHECK(count_x(mi.sections, mi.nr_sections, HOST_XLATE_NODMAR) == mi.nr_sections);
	CHECK(mi.nr_aliases == 7);	/* disabled aliases are listed with -D */
	for (size_t i = 0; i < mi.nr_aliases; i++)
		rp1 |= !strcmp(mi.aliases[i].owner, "/machine/peripheral/rp1") &&
		       mi.aliases[i].devfn == 0x28;
	CHECK(rp1);		/* owner:{dev id=rp1} */
	host_mtree_free(&mi);
	free(text);
}

static void test_vtd_names(void)
{
	uint8_t devfn;
	int64_t pasid;

	CHECK(host_parse_vtd_name("vtd-1f.2", &devfn, &pasid) && devfn == 0xfa &&
	      pasid == HOST_NO_PASID);
	CHECK(host_parse_vtd_name("vtd-10.0", &devfn, &pasid) && devfn == 0x80);
	CHECK(host_parse_vtd_name("vtd-03.0-pasid-1f", &devfn, &pasid) &&
	      devfn == 0x18 && pasid == 0x1f);
	CHECK(host_parse_vtd_name("vtd-03.0-pasid-fffff", &devfn, &pasid) && pasid == 0xfffff);
	CHECK(!host_parse_vtd_name("vtd-03.0-pasid-100000", &devfn, &pasid));
	CHECK(!host_parse_vtd_name("vtd-20.0", &devfn, &pasid));
	CHECK(!host_parse_vtd_name("vtd-03.8", &devfn, &pasid));
	CHECK(!host_parse_vtd_name("vtd-03.0-dmar", &devfn, &pasid));
	CHECK(!host_parse_vtd_name("vtd-nodmar", &devfn, &pasid));
	CHECK(!host_parse_vtd_name("vtd-03.0-pasid-", &devfn, &pasid));
}

static void test_mtree_bad_input(void)
{
	struct mtree_info mi;
	char err[128];
	static const char *const bad[] = {
		"", "garbage\n", "Error: unknown command\n",
		"  0-f (prio 0, i/o): vtd-00.0\n",
		"address-space: vtd-root\n  0000-ffff (prio 0, i/o): vtd-99.9\n",
		"address-space: vtd-root\n  (prio ): \n   ): alias  @\n",
		"address-space: x\n  0-f (prio 0, i/o): bus master container owner:{dev id=\n"
		"    0-f (prio 0, i/o): alias bus master @vtd-00.0 owner:{",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = host_parse_mtree(bad[i], &mi, err, sizeof(err));

		CHECK(rc == 0 || rc == -EPROTO);
		if (!rc) {
			CHECK(mi.nr_as == 0);
			host_mtree_free(&mi);
		}
	}
}

/* ---- recorded replies ---------------------------------------------------- */

/*
 * A q35 machine with a root port rp1 (00:05.0, secondary bus 1) holding an
 * emulated edu at 01:00.0 and a vfio-pci device hostdev0 at 01:00.1 (host
 * 0000:3b:00.0, iommufd=/objects/iommufd0). mch (00:00.0) and the edu share
 * the name vtd-00.0: mch's is dmar, the edu's nodmar, told apart by the
 * order of the memory-region sections. QEMU made vtd-00.1-pasid-5 for the
 * vfio device. Shapes from qapi/qom.json (qom-list: [{name, type}],
 * qom-get: the property's value; links as the target's path), qapi/pci.json
 * (query-pci) and hw/vfio/pci.c (properties host, sysfsdev, iommufd).
 */
static const char *const recorded_mtree =
	"address-space: vtd-root\n"
	"  0000000000000000-ffffffffffffffff (prio 0, i/o): vtd-00.0 owner:{dev path=/machine/peripheral-anon/device[0]}\n"
	"    0000000000000000-ffffffffffffffff (prio 0, i/o): alias vtd-nodmar @vtd-nodmar 0000000000000000-ffffffffffffffff [disabled] owner:{dev path=/machine/peripheral-anon/device[0]}\n"
	"    0000000000000000-ffffffffffffffff (prio 0, i/o): vtd-00.0-dmar owner:{dev path=/machine/peripheral-anon/device[0]}\n"
	"\n"
	"address-space: mch\n"
	"  0000000000000000-ffffffffffffffff (prio 0, i/o): bus master container owner:{dev path=/machine/q35/mch}\n"
	"    0000000000000000-ffffffffffffffff (prio 0, i/o): alias bus master @vtd-00.0 0000000000000000-ffffffffffffffff [disabled] owner:{dev path=/machine/q35/mch}\n"
	"\n"
	"address-space: vtd-root\n"
	"  0000000000000000-ffffffffffffffff (prio 0, i/o): vtd-00.0 owner:{dev path=/machine/peripheral-anon/device[0]}\n"
	"    0000000000000000-ffffffffffffffff (prio 0, i/o): alias vtd-nodmar @vtd-nodmar 0000000000000000-ffffffffffffffff owner:{dev path=/machine/peripheral-anon/device[0]}\n"
	"    0000000000000000-ffffffffffffffff (prio 0, i/o): vtd-00.0-dmar [disabled] owner:{dev path=/machine/peripheral-anon/device[0]}\n"
	"\n"
	"address-space: edu\n"
	"  0000000000000000-ffffffffffffffff (prio 0, i/o): bus master container owner:{dev path=/machine/peripheral-anon/device[1]}\n"
	"    0000000000000000-ffffffffffffffff (prio 0, i/o): alias bus master @vtd-00.0 0000000000000000-ffffffffffffffff owner:{dev path=/machine/peripheral-anon/device[1]}\n"
	"\n"
	"address-space: vfio-pci\n"
	"  0000000000000000-ffffffffffffffff (prio 0, i/o): bus master container owner:{dev id=hostdev0}\n"
	"    0000000000000000-ffffffffffffffff (prio 0, i/o): alias bus master @vtd-00.1 0000000000000000-ffffffffffffffff owner:{dev id=hostdev0}\n"
	"\n"
	"address-space: vtd-root\n"
	"  0000000000000000-ffffffffffffffff (prio 0, i/o): vtd-00.1 owner:{dev path=/machine/peripheral-anon/device[0]}\n"
	"    0000000000000000-ffffffffffffffff (prio 0, i/o): vtd-00.1-dmar owner:{dev path=/machine/peripheral-anon/device[0]}\n"
	"\n"
	"address-space: vtd-root\n"
	"  0000000000000000-ffffffffffffffff (prio 0, i/o): vtd-00.1-pasid-5 owner:{dev path=/machine/peripheral-anon/device[0]}\n"
	"    0000000000000000-ffffffffffffffff (prio 0, i/o): vtd-00.1-pasid-5-dmar owner:{dev path=/machine/peripheral-anon/device[0]}\n"
	"\n"
	"address-space: pcie-root-port\n"
	"  0000000000000000-ffffffffffffffff (prio 0, i/o): bus master container owner:{dev id=rp1}\n"
	"    0000000000000000-ffffffffffffffff (prio 0, i/o): alias bus master @vtd-05.0 0000000000000000-ffffffffffffffff owner:{dev id=rp1}\n"
	"\n"
	"address-space: vtd-root\n"
	"  0000000000000000-ffffffffffffffff (prio 0, i/o): vtd-05.0 owner:{dev path=/machine/peripheral-anon/device[0]}\n"
	"    0000000000000000-ffffffffffffffff (prio 0, i/o): vtd-05.0-dmar owner:{dev path=/machine/peripheral-anon/device[0]}\n"
	"\n"
	"memory-region: vtd-00.0\n"	/* mch's: first aliased */
	"  0000000000000000-ffffffffffffffff (prio 0, i/o): vtd-00.0 owner:{dev path=/machine/peripheral-anon/device[0]}\n"
	"    0000000000000000-ffffffffffffffff (prio 0, i/o): alias vtd-nodmar @vtd-nodmar 0000000000000000-ffffffffffffffff [disabled] owner:{dev path=/machine/peripheral-anon/device[0]}\n"
	"    0000000000000000-ffffffffffffffff (prio 0, i/o): vtd-00.0-dmar owner:{dev path=/machine/peripheral-anon/device[0]}\n"
	"\n"
	"memory-region: vtd-00.0\n"	/* the edu's */
	"  0000000000000000-ffffffffffffffff (prio 0, i/o): vtd-00.0 owner:{dev path=/machine/peripheral-anon/device[0]}\n"
	"    0000000000000000-ffffffffffffffff (prio 0, i/o): alias vtd-nodmar @vtd-nodmar 0000000000000000-ffffffffffffffff owner:{dev path=/machine/peripheral-anon/device[0]}\n"
	"    0000000000000000-ffffffffffffffff (prio 0, i/o): vtd-00.0-dmar [disabled] owner:{dev path=/machine/peripheral-anon/device[0]}\n"
	"\n"
	"memory-region: vtd-00.1\n"
	"  0000000000000000-ffffffffffffffff (prio 0, i/o): vtd-00.1 owner:{dev path=/machine/peripheral-anon/device[0]}\n"
	"    0000000000000000-ffffffffffffffff (prio 0, i/o): vtd-00.1-dmar owner:{dev path=/machine/peripheral-anon/device[0]}\n"
	"\n"
	"memory-region: vtd-05.0\n"
	"  0000000000000000-ffffffffffffffff (prio 0, i/o): vtd-05.0 owner:{dev path=/machine/peripheral-anon/device[0]}\n"
	"    0000000000000000-ffffffffffffffff (prio 0, i/o): vtd-05.0-dmar owner:{dev path=/machine/peripheral-anon/device[0]}\n";

static const char *const recorded_pci =
	"[{\"bus\": 0, \"devices\": ["
	" {\"bus\": 0, \"slot\": 0, \"function\": 0, \"qdev_id\": \"\"},"
	" {\"bus\": 0, \"slot\": 5, \"function\": 0, \"qdev_id\": \"rp1\","
	"  \"pci_bridge\": {\"bus\": {\"number\": 0, \"secondary\": 1, \"subordinate\": 1},"
	"   \"devices\": [{\"bus\": 1, \"slot\": 0, \"function\": 0, \"qdev_id\": \"\"},"
	"                {\"bus\": 1, \"slot\": 0, \"function\": 1, \"qdev_id\": \"hostdev0\"}]}}]}]";

/* (path, property) -> JSON reply; NULL reply = GenericError */
static const char *const recorded_qom[][3] = {
	{ "/machine/q35/mch", "addr", "0" },
	{ "/machine/q35/mch", "parent_bus", "\"/machine/q35/pcie.0\"" },
	{ "/machine/peripheral-anon/device[1]", "addr", "0" },
	{ "/machine/peripheral-anon/device[1]", "parent_bus", "\"/machine/peripheral/rp1/rp1\"" },
	{ "/machine/peripheral/hostdev0", "addr", "1" },
	{ "/machine/peripheral/hostdev0", "parent_bus", "\"/machine/peripheral/rp1/rp1\"" },
	{ "/machine/peripheral/hostdev0", "host", "\"0000:3b:00.0\"" },
	{ "/machine/peripheral/hostdev0", "sysfsdev", "\"\"" },
	{ "/machine/peripheral/hostdev0", "iommufd", "\"/objects/iommufd0\"" },
	{ "/machine/peripheral/rp1", "addr", "40" },
	{ "/machine/peripheral/rp1", "parent_bus", "\"/machine/q35/pcie.0\"" },
	{ "/machine/peripheral", NULL,
	  "[{\"name\": \"type\", \"type\": \"string\"},"
	  " {\"name\": \"hostdev0\", \"type\": \"child<vfio-pci>\"},"
	  " {\"name\": \"rp1\", \"type\": \"child<pcie-root-port>\"}]" },
	{ "/machine/peripheral-anon", NULL,
	  "[{\"name\": \"type\", \"type\": \"string\"},"
	  " {\"name\": \"device[0]\", \"type\": \"child<intel-iommu>\"},"
	  " {\"name\": \"device[1]\", \"type\": \"child<edu>\"}]" },
	{ "/objects", NULL,
	  "[{\"name\": \"type\", \"type\": \"string\"},"
	  " {\"name\": \"iommufd0\", \"type\": \"child<iommufd>\"}]" },
};

static unsigned monitor_calls;

static int recorded_monitor(struct vtd_source *src, const char *cmd,
			    struct json_object *args, struct json_object **ret)
{
	struct json_object *v;
	const char *path = NULL, *prop = NULL;

	monitor_calls++;
	*ret = NULL;
	if (!strcmp(cmd, "human-monitor-command")) {
		json_object_object_get_ex(args, "command-line", &v);
		if (strcmp(json_object_get_string(v), "info mtree -o -D"))
			return -EIO;
		*ret = json_object_new_string(recorded_mtree);
		return 0;
	}
	if (!strcmp(cmd, "query-pci")) {
		*ret = json_tokener_parse(recorded_pci);
		return 0;
	}
	if (!strcmp(cmd, "query-version")) {
		*ret = json_tokener_parse("{\"qemu\": {\"major\": 10, \"minor\": 0, \"micro\": 2}, \"package\": \"\"}");
		return 0;
	}
	if (json_object_object_get_ex(args, "path", &v))
		path = json_object_get_string(v);
	if (json_object_object_get_ex(args, "property", &v))
		prop = json_object_get_string(v);
	for (size_t i = 0; path && i < sizeof(recorded_qom) / sizeof(recorded_qom[0]); i++) {
		bool list = !strcmp(cmd, "qom-list");

		if (strcmp(recorded_qom[i][0], path) || list != !recorded_qom[i][1] ||
		    (!list && strcmp(recorded_qom[i][1], prop ? prop : "")))
			continue;
		*ret = json_tokener_parse(recorded_qom[i][2]);
		return 0;
	}
	return -EIO;	/* GenericError: no such property or path */
}

static const struct vtd_source_ops recorded_ops = {
	.kind = "recorded", .monitor = recorded_monitor,
};

static char root[64];

static void mkpath(const char *rel)
{
	char p[256], *s;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	for (s = p + strlen(root) + 1; (s = strchr(s, '/')); s++) {
		*s = 0;
		mkdir(p, 0755);
		*s = '/';
	}
	mkdir(p, 0755);
}

static void mklink(const char *target, const char *rel)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	CHECK(symlink(target, p) == 0);
}

static void make_host_tree(void)
{
	snprintf(root, sizeof(root), "/tmp/vtdctl-host-XXXXXX");
	CHECK(mkdtemp(root) != NULL);
	mkpath("proc/4242/fd");
	mkpath("sys/bus/pci/devices/0000:3b:00.0/vfio-dev/vfio7");
	mkpath("sys/kernel/iommu_groups/12");
	mklink("/dev/iommu", "proc/4242/fd/20");
	mklink("/dev/vfio/devices/vfio7", "proc/4242/fd/21");
	mklink("../../../kernel/iommu_groups/12", "sys/bus/pci/devices/0000:3b:00.0/iommu_group");
}

static struct vtd_host *collect(int pid)
{
	struct vtd_source src = { .ops = &recorded_ops };
	char proc[96], sys[96];
	struct host_env env = { proc, sys, pid, NULL };
	struct vtd_host *h = NULL;

	snprintf(proc, sizeof(proc), "%s/proc", root);
	snprintf(sys, sizeof(sys), "%s/sys", root);
	CHECK(vtd_host_collect_env(&src, &env, &h) == 0);
	CHECK(h != NULL);
	return h;
}

static void test_vfio_recorded_replies(void)
{
	struct vtd_host *h;
	const struct host_vfio *v;
	const struct host_as *a;

	make_host_tree();
	h = collect(4242);
	if (!h)
		return;
	CHECK(h->mtree_ok);
	CHECK_STR(h->qemu_version, "10.0.2");
	/* the two vtd-00.0 told apart: mch dmar, the edu behind rp1 nodmar */
	a = host_find_as(h, 0, 0, HOST_NO_PASID);
	CHECK(a && a->xlate == HOST_XLATE_DMAR);
	a = host_find_as(h, 1, 0, HOST_NO_PASID);
	CHECK(a && a->xlate == HOST_XLATE_NODMAR);
	CHECK(host_has_as(h, 1, 1, HOST_NO_PASID) == HOST_YES);
	CHECK(host_has_as(h, 0, 0x28, HOST_NO_PASID) == HOST_YES);
	CHECK(host_has_as(h, 1, 1, 5) == HOST_YES);	/* only 01:00.1 is SS.F 00.1 */
	CHECK(host_has_as(h, 1, 1, 3) == HOST_NO);
	CHECK(host_has_as(h, 2, 0, HOST_NO_PASID) == HOST_NO);
	CHECK(host_has_pcidev(h, 0, 0x38) == HOST_NO);
	CHECK(h->nr_iommufd_objs == 1 && !strcmp(h->iommufd_objs[0], "/objects/iommufd0"));
	v = host_find_vfio(h, 1, 1);
	CHECK(v != NULL);
	if (v) {
		CHECK_STR(v->host_bdf, "0000:3b:00.0");
		CHECK_STR(v->iommufd, "/objects/iommufd0");
		CHECK(v->has_iommufd == HOST_YES);
		CHECK(v->binding == HOST_YES);
	}
	vtd_host_free(h);

	/* QEMU no longer holds the cdev: "no", seen */
	{
		char p[128];

		snprintf(p, sizeof(p), "%s/proc/4242/fd/21", root);
		CHECK(unlink(p) == 0);
	}
	h = collect(4242);
	v = host_find_vfio(h, 1, 1);
	CHECK(v && v->binding == HOST_NO);
	vtd_host_free(h);
	/* no pid (TCP), or a process we cannot see: unknown, never no */
	h = collect(0);
	v = host_find_vfio(h, 1, 1);
	CHECK(v && v->binding == HOST_UNKNOWN);
	vtd_host_free(h);
	h = collect(999999);
	v = host_find_vfio(h, 1, 1);
	CHECK(v && v->binding == HOST_UNKNOWN);
	vtd_host_free(h);
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		CHECK(system(cmd) == 0);
	}
}

/* A source without a monitor (a dump): host side unknown, no error */
static void test_no_monitor(void)
{
	static const struct vtd_source_ops ops = { .kind = "core" };
	struct vtd_source src = { .ops = &ops };
	struct vtd_host *h = (struct vtd_host *)1;

	CHECK(vtd_host_collect_env(&src, NULL, &h) == 0 && h == NULL);
	CHECK(host_has_as(NULL, 0, 0, HOST_NO_PASID) == HOST_UNKNOWN);
}

int main(void)
{
	test_vtd_names();
	test_mtree_linux("tests/fixtures/mtree-q72-linux-scalable.txt");
	test_mtree_linux("tests/fixtures/mtree-q10-linux-flts-pasid.txt");
	test_mtree_linux("tests/fixtures/mtree-q11-linux-fsts.txt");
	test_mtree_paused("tests/fixtures/mtree-q72-paused.txt");
	test_mtree_paused("tests/fixtures/mtree-q11-paused.txt");
	test_mtree_bad_input();
	test_vfio_recorded_replies();
	test_no_monitor();
	return unit_summary();
}
