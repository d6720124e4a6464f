// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl: vfio-pci devices and iommufd objects through QOM, and their binding
 * in the host kernel through /proc/PID/fd and sysfs.
 *
 * QOM (QEMU's hw/vfio/pci.c, backends/iommufd.c): a vfio-pci device lives in
 * /machine/peripheral (with id=) or /machine/peripheral-anon, listed by
 * qom-list as "child<vfio-pci>"; its properties "host" (PCIHostDeviceAddress,
 * "0000:01:00.0"), "sysfsdev" (string) and, since QEMU 9.0, "iommufd" (a
 * link<iommufd>: the object's path, "" when the device uses a VFIO container).
 * iommufd backend objects are "child<iommufd>" under /objects.
 *
 * The host kernel: an iommufd user holds /dev/iommu and the device's cdev
 * /dev/vfio/devices/vfioN (N from /sys/bus/pci/devices/BDF/vfio-dev/vfioN);
 * a container user holds /dev/vfio/vfio and /dev/vfio/G (G = the device's
 * iommu_group). Where this cannot be seen, the binding is unknown, never no.
 */
#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/array.h"
#include "source/monitor.h"
#include "vmm/qom.h"

#define MAX_FDS 65536

/* Copy s into dst (len bytes), truncating */
static void copy_str(char *dst, size_t len, const char *s)
{
	size_t n = strnlen(s, len - 1);

	memcpy(dst, s, n);
	dst[n] = 0;
}

static int add_vfio(struct vtd_host *h, struct host_vfio **out)
{
	*out = array_append(&h->vfio, &h->nr_vfio, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

static int add_iommufd_obj(struct vtd_host *h, const char *path)
{
	char *n = array_append(&h->iommufd_objs, &h->nr_iommufd_objs,
			       sizeof(*h->iommufd_objs));

	if (!n)
		return -ENOMEM;
	copy_str(n, sizeof(*h->iommufd_objs), path);
	return 0;
}

/* qom-get host/sysfsdev/iommufd of one vfio-pci device */
static int read_vfio_props(struct vtd_source *src, struct host_vfio *v)
{
	int rc = host_qom_get_str(src, v->qom_path, "host", v->host_bdf,
				  sizeof(v->host_bdf));

	if (rc && !host_rc_is_absent(rc))
		return rc;
	rc = host_qom_get_str(src, v->qom_path, "sysfsdev", v->sysfsdev,
			      sizeof(v->sysfsdev));
	if (rc && !host_rc_is_absent(rc))
		return rc;
	if (!v->host_bdf[0] && v->sysfsdev[0]) {	/* sysfsdev=/sys/bus/pci/devices/BDF */
		const char *b = strrchr(v->sysfsdev, '/');

		copy_str(v->host_bdf, sizeof(v->host_bdf), b ? b + 1 : v->sysfsdev);
	}
	rc = host_qom_get_str(src, v->qom_path, "iommufd", v->iommufd,
			      sizeof(v->iommufd));
	if (rc && !host_rc_is_absent(rc))
		return rc;
	v->has_iommufd = rc ? HOST_UNKNOWN : v->iommufd[0] ? HOST_YES : HOST_NO;
	return 0;
}

static int one_child(struct vtd_source *src, struct host_pci_topo *t,
		     const char *parent, struct json_object *prop,
		     struct vtd_host *h)
{
	const char *ty = qmp_get_str(prop, "type");
	const char *name = qmp_get_str(prop, "name");
	struct host_vfio *v;
	int rc;

	if (!name || !ty ||
	    (strcmp(ty, "child<vfio-pci>") && strcmp(ty, "child<vfio-pci-nohotplug>")))
		return 0;
	rc = add_vfio(h, &v);
	if (rc)
		return rc;
	snprintf(v->qom_path, sizeof(v->qom_path), "%s/%s", parent, name);
	v->binding = HOST_UNKNOWN;
	rc = host_resolve_bus(src, t, v->qom_path, &v->bus, &v->devfn);
	if (!rc)
		rc = read_vfio_props(src, v);
	return rc;
}

static int scan_container(struct vtd_source *src, struct host_pci_topo *t,
			  const char *path, struct vtd_host *h)
{
	struct json_object *list = NULL;
	int rc = host_qom_list(src, path, &list);

	if (rc)
		return host_rc_is_absent(rc) ? 0 : rc;
	for (size_t i = 0; i < json_object_array_length(list) && !rc; i++)
		rc = one_child(src, t, path, json_object_array_get_idx(list, i), h);
	json_object_put(list);
	return rc;
}

static int scan_objects(struct vtd_source *src, struct vtd_host *h)
{
	struct json_object *list = NULL;
	char path[200];
	int rc = host_qom_list(src, "/objects", &list);

	if (rc)
		return host_rc_is_absent(rc) ? 0 : rc;
	for (size_t i = 0; i < json_object_array_length(list) && !rc; i++) {
		struct json_object *p = json_object_array_get_idx(list, i);
		const char *name = qmp_get_str(p, "name");
		const char *type = qmp_get_str(p, "type");

		/* a peer may send null or a number: not an iommufd */
		if (!name || !type || strcmp(type, "child<iommufd>"))
			continue;
		snprintf(path, sizeof(path), "/objects/%s", name);
		rc = add_iommufd_obj(h, path);
	}
	json_object_put(list);
	return rc;
}

int host_collect_vfio(struct vtd_source *src, struct host_pci_topo *t,
		      const struct host_env *env, struct vtd_host *h)
{
	int rc = scan_container(src, t, "/machine/peripheral", h);

	if (!rc)
		rc = scan_container(src, t, "/machine/peripheral-anon", h);
	if (!rc)
		rc = scan_objects(src, h);
	if (rc)
		return rc;
	h->vfio_known = true;
	for (size_t i = 0; i < h->nr_vfio; i++)
		host_check_binding(env, &h->vfio[i]);
	return 0;
}

/* ---- the host kernel: /proc/PID/fd and sysfs ----------------------------- */

struct fdset {
	char (*target)[64];
	size_t nr;
};

/* Every fd's link target of process pid; -errno if the directory is unreadable */
static int read_fds(const struct host_env *env, struct fdset *fs)
{
	char dir[PATH_MAX], link[PATH_MAX + 300], buf[64];
	struct dirent *de;
	DIR *d;

	fs->target = NULL;
	fs->nr = 0;
	snprintf(dir, sizeof(dir), "%s/%d/fd", env->proc_root, env->pid);
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d)) && fs->nr < MAX_FDS) {
		ssize_t n;
		char *nt;

		if (de->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "%s/%s", dir, de->d_name);
		n = readlink(link, buf, sizeof(buf) - 1);
		if (n < 0)
			continue;
		buf[n] = 0;
		nt = array_append(&fs->target, &fs->nr, sizeof(*fs->target));
		if (!nt)
			break;
		snprintf(nt, sizeof(*fs->target), "%s", buf);
	}
	closedir(d);
	return 0;
}

static bool fds_have(const struct fdset *fs, const char *path)
{
	for (size_t i = 0; i < fs->nr; i++)
		if (!strcmp(fs->target[i], path))
			return true;
	return false;
}

/* The name of the first vfioN entry in DEV/vfio-dev, or "" */
static void vfio_cdev_name(const char *devdir, char *out, size_t len)
{
	char p[PATH_MAX + 16];
	struct dirent *de;
	DIR *d;

	out[0] = 0;
	snprintf(p, sizeof(p), "%s/vfio-dev", devdir);
	d = opendir(p);
	if (!d)
		return;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, "vfio", 4) && de->d_name[4] >= '0' &&
		    de->d_name[4] <= '9') {
			copy_str(out, len, de->d_name);
			break;
		}
	closedir(d);
}

/* The iommu_group number of DEV, or -1 */
static long iommu_group_of(const char *devdir)
{
	char p[PATH_MAX + 16], buf[PATH_MAX];
	const char *b;
	ssize_t n;

	snprintf(p, sizeof(p), "%s/iommu_group", devdir);
	n = readlink(p, buf, sizeof(buf) - 1);
	if (n < 0)
		return -1;
	buf[n] = 0;
	b = strrchr(buf, '/');
	return strtol(b ? b + 1 : buf, NULL, 10);
}

static void decide(struct host_vfio *v, const struct fdset *fs, const char *devdir)
{
	char cdev[32], want[80];
	long grp;

	vfio_cdev_name(devdir, cdev, sizeof(cdev));
	grp = iommu_group_of(devdir);
	if (cdev[0]) {
		snprintf(want, sizeof(want), "/dev/vfio/devices/%s", cdev);
		if (fds_have(fs, want)) {
			v->binding = HOST_YES;
			snprintf(v->binding_why, sizeof(v->binding_why), "QEMU holds %s%s",
				 want, fds_have(fs, "/dev/iommu") ? " and /dev/iommu" : "");
			return;
		}
	}
	if (grp >= 0) {
		snprintf(want, sizeof(want), "/dev/vfio/%ld", grp);
		if (fds_have(fs, want)) {
			v->binding = HOST_YES;
			snprintf(v->binding_why, sizeof(v->binding_why),
				 "QEMU holds %s (VFIO group)", want);
			return;
		}
	}
	v->binding = HOST_NO;
	snprintf(v->binding_why, sizeof(v->binding_why),
		 "QEMU holds neither %s%s nor the device's VFIO group",
		 cdev[0] ? "/dev/vfio/devices/" : "a vfio cdev", cdev);
}

void host_check_binding(const struct host_env *env, struct host_vfio *v)
{
	char devdir[PATH_MAX];
	struct fdset fs;
	int rc;

	v->binding = HOST_UNKNOWN;
	if (!env->pid) {
		snprintf(v->binding_why, sizeof(v->binding_why),
			 "QEMU's pid is not known (not a local UNIX socket)");
		return;
	}
	if (!v->host_bdf[0] || strchr(v->host_bdf, '/') || strstr(v->host_bdf, "..")) {
		snprintf(v->binding_why, sizeof(v->binding_why), "host device not known");
		return;
	}
	snprintf(devdir, sizeof(devdir), "%s/bus/pci/devices/%s", env->sys_root, v->host_bdf);
	if (access(devdir, F_OK)) {
		snprintf(v->binding_why, sizeof(v->binding_why),
			 "%s is not in this host's sysfs", v->host_bdf);
		return;
	}
	rc = read_fds(env, &fs);
	if (rc) {
		snprintf(v->binding_why, sizeof(v->binding_why),
			 "cannot read %s/%d/fd: %s", env->proc_root, env->pid, strerror(-rc));
		return;
	}
	decide(v, &fs, devdir);
	free(fs.target);
}
