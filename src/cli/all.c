// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl --all: run a command once per running libvirt domain with an Intel
 * IOMMU, each in a child process (fork, --vm = the domain, the runner given), at
 * most VTDCTL_ALL_JOBS (default 8, at most 64) at a time, each within
 * VTDCTL_ALL_TIMEOUT seconds (default 300). A job spends most of its time
 * waiting for libvirtd and QEMU (some 16 monitor round trips for check), so
 * more jobs than cores hide that wait: on 2 cores, 64 domains took a fifth of
 * the time of one job with 4 or 8 jobs, and 16 or 32 did no better
 * (tests/bench/bench_fleet.py). 8 also leaves most of libvirtd's worker
 * threads (20 by default) to its other clients. The parent wakes on SIGCHLD,
 * not on a timer, to start the next job as soon as one ends.
 *
 * Text: one summary line per domain, in name order, as soon as it and every
 * domain before it are done, then the command's output indented:
 *     NAME: ok | findings | error: MESSAGE | skipped: MESSAGE
 * JSON: {"uri": ..., "domains": [{"name", "uuid", "status", "exit",
 *        "error": "..." (when not ok/findings), "result": <the command's JSON>}]}
 *
 * "skipped": the command failed and the domain is no longer running (shut
 * down or destroyed meanwhile): a normal event on a busy host, not a failure.
 * Exit status: 2 if any domain had findings (they are what the run is for),
 * else 1 if any domain failed, else 0 (also when no domain matched).
 * The children's stderr goes to ours, except the message a summary quotes.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli/cli.h"
#include "libvirt/lv.h"

#define DEFAULT_JOBS	8
#define DEFAULT_TIMEOUT_S 300

enum job_status { JOB_OK, JOB_FINDINGS, JOB_ERROR, JOB_SKIPPED };
static const char *const status_names[] = { "ok", "findings", "error", "skipped" };

/* The command line every job runs, and what runs it (vtdctl_run). */
struct job_cmd {
	int argc;
	char **argv;
	int (*run)(int argc, char **argv);
};

struct job {
	const struct lv_dom_info *d;
	pid_t pid;
	FILE *out, *err;	/* the child's stdout and stderr */
	int64_t started_ms;
	bool done, timed_out;
	int exit;		/* exit code, 128 + signal when killed */
	enum job_status status;
	char *out_text, *err_text;
	char message[512];	/* error or skip reason */
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long env_long(const char *name, long def, long lo, long hi)
{
	const char *s = getenv(name);
	char *end;
	long v;

	if (!s || !*s)
		return def;
	v = strtol(s, &end, 10);
	return *end || v < lo || v > hi ? def : v;
}

/* argv without --all (and its getopt abbreviations --a, --al), for the child */
static char **argv_without_all(int argc, char **argv, int *out_argc)
{
	char **v = calloc(argc + 1, sizeof(*v));
	int n = 0;
	bool positional = false;

	if (!v)
		return NULL;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			positional = true;
		if (!positional && i > 0 && strlen(argv[i]) >= 3 &&
		    !strncmp(argv[i], "--all", strlen(argv[i])))
			continue;
		v[n++] = argv[i];
	}
	*out_argc = n;
	return v;
}

static void run_child(struct job *j, const struct job_cmd *c)
{
	int devnull = open("/dev/null", O_RDONLY), rc;
	sigset_t chld;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_UNBLOCK, &chld, NULL);
	if (devnull >= 0)
		dup2(devnull, 0);
	dup2(fileno(j->out), 1);
	dup2(fileno(j->err), 2);
	g.target[cli_target_index("vm")] = j->d->name;
	g.all = false;
	rc = c->run(c->argc, c->argv);
	fflush(stdout);
	fflush(stderr);
	_exit(rc);
}

static int start_job(struct job *j, const struct job_cmd *c)
{
	j->out = tmpfile();
	j->err = tmpfile();
	if (!j->out || !j->err)
		return -errno;
	fflush(stdout);
	fflush(stderr);
	j->pid = fork();
	if (j->pid < 0)
		return -errno;
	if (j->pid == 0)
		run_child(j, c);
	j->started_ms = now_ms();
	return 0;
}

static char *slurp(FILE *f)
{
	long len;
	char *s;

	if (!f || fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		return strdup("");
	s = malloc(len + 1);
	if (!s)
		return NULL;
	len = (long)fread(s, 1, len, f);
	s[len] = 0;
	return s;
}

/* The last line of the child's stderr, without the "vtdctl: " prefix. */
static void last_message(struct job *j)
{
	char *t = j->err_text, *line, *end;

	if (!t || !*t)
		return;
	end = t + strlen(t);
	while (end > t && end[-1] == '\n')
		end--;
	for (line = end; line > t && line[-1] != '\n'; line--)
		;
	if (!strncmp(line, "vtdctl: ", 8))
		line += 8;
	snprintf(j->message, sizeof(j->message), "%.*s", (int)(end - line), line);
}

static bool still_running(virConnectPtr conn, const char *uuid)
{
	virDomainPtr dom = conn ? LV(virDomainLookupByUUIDString)(conn, uuid) : NULL;
	bool up = dom && LV(virDomainIsActive)(dom) == 1;

	if (dom)
		LV(virDomainFree)(dom);
	return up;
}

static void classify(struct job *j, virConnectPtr conn)
{
	j->out_text = slurp(j->out);
	j->err_text = slurp(j->err);
	last_message(j);
	if (j->exit == EXIT_OK) {
		j->status = JOB_OK;
		return;
	}
	if (j->exit == EXIT_FINDINGS) {
		j->status = JOB_FINDINGS;
		return;
	}
	if (j->timed_out)
		snprintf(j->message, sizeof(j->message), "no result after %ld s",
			 env_long("VTDCTL_ALL_TIMEOUT", DEFAULT_TIMEOUT_S, 1, 86400));
	else if (j->exit > 128)
		snprintf(j->message, sizeof(j->message), "killed by signal %d", j->exit - 128);
	else if (!j->message[0])
		snprintf(j->message, sizeof(j->message), "exit status %d", j->exit);
	j->status = still_running(conn, j->d->uuid) ? JOB_ERROR : JOB_SKIPPED;
}

/* Reap finished children and kill the ones past the deadline. */
static void reap(struct job *jobs, size_t n, virConnectPtr conn, int64_t timeout_ms)
{
	for (size_t i = 0; i < n; i++) {
		struct job *j = &jobs[i];
		int st;

		if (j->pid <= 0 || j->done)
			continue;
		if (!j->timed_out && now_ms() - j->started_ms > timeout_ms) {
			kill(j->pid, SIGKILL);
			j->timed_out = true;
		}
		if (waitpid(j->pid, &st, WNOHANG) != j->pid)
			continue;
		j->exit = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		j->done = true;
		classify(j, conn);
	}
}

/* Pass the child's stderr on, except the line the summary quotes. */
static void forward_stderr(const struct job *j)
{
	const char *t = j->err_text ? j->err_text : "";
	size_t len = strlen(t);

	if (j->status == JOB_ERROR || j->status == JOB_SKIPPED) {
		const char *line = t + len;

		while (line > t && line[-1] == '\n')
			line--;
		while (line > t && line[-1] != '\n')
			line--;
		len = line - t;
	}
	fwrite(t, 1, len, stderr);
}

static void show_job_plain(const struct job *j)
{
	const char *t = j->out_text ? j->out_text : "";

	printf("%s: %s%s%s\n", j->d->name, status_names[j->status],
	       j->message[0] && j->status >= JOB_ERROR ? ": " : "",
	       j->status >= JOB_ERROR ? j->message : "");
	while (*t) {
		size_t l = strcspn(t, "\n");

		printf("%s%.*s\n", l ? "    " : "", (int)l, t);
		t += l + (t[l] == '\n');
	}
	fflush(stdout);
	forward_stderr(j);
}

static struct json_object *job_json(const struct job *j)
{
	struct json_object *o = json_object_new_object();
	struct json_object *res = j->out_text ? json_tokener_parse(j->out_text) : NULL;

	json_object_object_add(o, "name", json_object_new_string(j->d->name));
	json_object_object_add(o, "uuid", json_object_new_string(j->d->uuid));
	json_object_object_add(o, "status", json_object_new_string(status_names[j->status]));
	json_object_object_add(o, "exit", json_object_new_int(j->exit));
	if (j->status >= JOB_ERROR)
		json_object_object_add(o, "error", json_object_new_string(j->message));
	json_object_object_add(o, "result", res);
	return o;
}

static void free_jobs(struct job *jobs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (jobs[i].out)
			fclose(jobs[i].out);
		if (jobs[i].err)
			fclose(jobs[i].err);
		free(jobs[i].out_text);
		free(jobs[i].err_text);
	}
	free(jobs);
}

/* Sleep until a child ends (SIGCHLD, blocked by the caller) or 10 ms pass:
 * the deadline of a hung job is looked at that often. */
static void wait_for_child(const sigset_t *chld)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	sigtimedwait(chld, NULL, &ts);
}

/* Run every job, at most `width` at a time; text summaries in order. */
static void run_jobs(struct job *jobs, size_t n, const struct job_cmd *c,
		     virConnectPtr conn)
{
	size_t next = 0, shown = 0;
	sigset_t chld, old;
	long width = env_long("VTDCTL_ALL_JOBS", DEFAULT_JOBS, 1, 64);
	int64_t timeout = env_long("VTDCTL_ALL_TIMEOUT", DEFAULT_TIMEOUT_S, 1, 86400) * 1000;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &old);
	while (shown < n) {
		size_t running = 0;

		for (size_t i = 0; i < next; i++)
			running += jobs[i].pid > 0 && !jobs[i].done;
		for (; running < (size_t)width && next < n; next++) {
			struct job *j = &jobs[next];
			int rc = start_job(j, c);

			if (!rc) {
				running++;
				continue;
			}
			j->done = true;
			j->exit = EXIT_FATAL;
			j->status = JOB_ERROR;
			snprintf(j->message, sizeof(j->message), "cannot start: %s",
				 strerror(-rc));
		}
		reap(jobs, next, conn, timeout);
		for (; shown < n && jobs[shown].done; shown++)
			if (!g.out.json)
				show_job_plain(&jobs[shown]);
		if (shown < n)
			wait_for_child(&chld);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
}

static int overall_exit(const struct job *jobs, size_t n)
{
	bool failed = false;

	for (size_t i = 0; i < n; i++) {
		if (jobs[i].status == JOB_FINDINGS)
			return EXIT_FINDINGS;
		failed |= jobs[i].status == JOB_ERROR;
	}
	return failed ? EXIT_FATAL : EXIT_OK;
}

static void show_all_json(const char *uri, const struct job *jobs, size_t n)
{
	struct json_object *o = json_object_new_object(), *a = json_object_new_array();

	for (size_t i = 0; i < n; i++) {
		json_object_array_add(a, job_json(&jobs[i]));
		forward_stderr(&jobs[i]);
	}
	json_object_object_add(o, "uri", json_object_new_string(uri));
	json_object_object_add(o, "domains", a);
	json_print(stdout, o, g.out.pretty);
}

static bool takes_all(const char *cmd)
{
	static const char *const no[] = { "watch", "shell", "batch", "diff", "help",
					  "version", "snapshot" };

	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (!strcmp(cmd, no[i]))
			return false;
	return true;
}

static int all_domains(const char *uri, const struct job_cmd *c)
{
	struct lv_dom_info *d = NULL;
	struct job *jobs = NULL;
	virConnectPtr conn;
	char err[512];
	size_t n = 0;
	int rc;

	conn = lv_connect(uri, true, err, sizeof(err));
	if (!conn || lv_iommu_domains(conn, true, &d, &n, err, sizeof(err))) {
		report_error("--all: %s", err);
		if (conn)
			LV(virConnectClose)(conn);
		return EXIT_FATAL;
	}
	jobs = calloc(n ? n : 1, sizeof(*jobs));
	if (!jobs) {
		report_error("--all: out of memory");
		rc = EXIT_FATAL;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		jobs[i].d = &d[i];
	run_jobs(jobs, n, c, conn);
	if (g.out.json)
		show_all_json(uri, jobs, n);
	else if (n == 0)
		printf("no running domain with an Intel IOMMU on %s\n", uri);
	rc = overall_exit(jobs, n);
	free_jobs(jobs, n);
out:
	free(d);
	LV(virConnectClose)(conn);
	return rc;
}

int run_on_all_domains(const char *cmd, int argc, char **argv,
		       int (*run)(int argc, char **argv))
{
	struct job_cmd c = { .run = run };
	int rc;

	if (!strcmp(cmd, "list"))
		return list_domains(true);
	if (!takes_all(cmd)) {
		report_error("%s does not take --all", cmd);
		return EXIT_FATAL;
	}
	if (cli_targets_given(&g)) {
		report_error("--all names its targets itself: drop --vm, --qmp, --core and --snapshot");
		return EXIT_FATAL;
	}
	c.argv = argv_without_all(argc, argv, &c.argc);
	if (!c.argv) {
		report_error("--all: out of memory");
		return EXIT_FATAL;
	}
	rc = all_domains(lv_default_uri(g.virt_opts.uri), &c);
	free(c.argv);
	return rc;
}
