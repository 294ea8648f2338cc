/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* cgpolicyd: command line, cgroup root checks, the event loop and signals. */

#include <getopt.h>
#include <libcgroup.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <systemd/sd-daemon.h>

#include "parse-context.h"
#include "bus.h"
#include "config.h"
#include "fileio.h"
#include "log.h"
#include "manager-private.h"
#include "plan.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
#endif

typedef struct Args {
        BackendType backend;
        char *cgroup_root;
        char **watch, **policy_dirs;
        size_t n_watch, n_policy_dirs;
        char *state_dir, *runtime_dir, *bus;
        bool dry_run;
        char *metrics_file;
        uint64_t metrics_interval_usec;
} Args;

static void args_done(Args *a) {
        free(a->cgroup_root);
        strv_freep(&a->watch);
        strv_freep(&a->policy_dirs);
        free(a->state_dir);
        free(a->runtime_dir);
        free(a->bus);
        free(a->metrics_file);
}

static int strv_push(char ***l, size_t *n, const char *s) {
        char **nl = realloc(*l, (*n + 2) * sizeof(char *));

        if (!nl)
                return -ENOMEM;
        *l = nl;
        nl[*n] = strdup(s);
        if (!nl[*n])
                return -ENOMEM;
        nl[++*n] = NULL;
        return 0;
}

static int set_string(char **dst, const char *s) {
        char *c = strdup(s);

        if (!c)
                return -ENOMEM;
        free(*dst);
        *dst = c;
        return 0;
}

static void help(void) {
        printf("cgpolicyd [OPTIONS...]\n\n"
               "Keeps the resource settings of systemd units where the cgpolicyd policies say.\n\n"
               "  -h --help                Show this help\n"
               "     --version             Show package version\n"
               "     --backend=MODE        auto, systemd or cgroupfs (default: auto)\n"
               "     --cgroup-root=PATH    cgroup v2 mount or delegated subtree (default: found via "
               "libcgroup)\n"
               "     --watch=SLICE         Manage the units under SLICE (repeatable; default: "
               "system.slice)\n"
               "     --policy-dir=DIR      Load *.json policies from DIR (repeatable; default:\n"
               "                           /etc, /run, /usr/lib cgpolicyd/policies.d)\n"
               "     --state-dir=DIR       Persistent overrides (default: /var/lib/cgpolicyd)\n"
               "     --runtime-dir=DIR     Runtime overrides and original values (default: /run/cgpolicyd)\n"
               "     --bus=BUS             system, user or a D-Bus address (default: system)\n"
               "     --dry-run             Decide and log, write nothing\n"
               "     --metrics-file=PATH   Keep the metrics in PATH (Prometheus text format), e.g. for\n"
               "                           node_exporter's textfile collector\n"
               "     --metrics-interval=SEC  Rewrite the metrics file at most every SEC seconds\n"
               "                           (default: 10; only after a change)\n"
               "     --log-level=LEVEL     emerg..debug or 0..7 (default: info)\n");
}

enum {
        ARG_VERSION = 0x100,
        ARG_BACKEND,
        ARG_ROOT,
        ARG_WATCH,
        ARG_POLICY_DIR,
        ARG_STATE,
        ARG_RUNTIME,
        ARG_BUS,
        ARG_DRY_RUN,
        ARG_LOG_LEVEL,
        ARG_METRICS_FILE,
        ARG_METRICS_INTERVAL,
};

/* Returns 1 to continue, 0 to exit successfully, negative errno on bad options. */
static int parse_argv(int argc, char *argv[], Args *a) {
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"version", no_argument, NULL, ARG_VERSION},
                {"backend", required_argument, NULL, ARG_BACKEND},
                {"cgroup-root", required_argument, NULL, ARG_ROOT},
                {"watch", required_argument, NULL, ARG_WATCH},
                {"policy-dir", required_argument, NULL, ARG_POLICY_DIR},
                {"state-dir", required_argument, NULL, ARG_STATE},
                {"runtime-dir", required_argument, NULL, ARG_RUNTIME},
                {"bus", required_argument, NULL, ARG_BUS},
                {"dry-run", no_argument, NULL, ARG_DRY_RUN},
                {"log-level", required_argument, NULL, ARG_LOG_LEVEL},
                {"metrics-file", required_argument, NULL, ARG_METRICS_FILE},
                {"metrics-interval", required_argument, NULL, ARG_METRICS_INTERVAL},
                {},
        };
        int c, r;

        opterr = 0;
        while ((c = getopt_long(argc, argv, ":h", options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("cgpolicyd %s\n", PACKAGE_VERSION);
                        return 0;
                case ARG_BACKEND:
                        a->backend = backend_type_from_string(optarg);
                        if (a->backend < 0)
                                return log_error_errno(
                                        -EINVAL, "Invalid --backend=%s: expected auto, systemd or cgroupfs.",
                                        optarg);
                        break;
                case ARG_ROOT:
                        if (optarg[0] != '/')
                                return log_error_errno(
                                        -EINVAL, "Invalid --cgroup-root=%s: not an absolute path.", optarg);
                        if (set_string(&a->cgroup_root, optarg) < 0)
                                return log_oom();
                        break;
                case ARG_WATCH: {
                        _cleanup_free_ char *path = NULL;

                        if (plan_slice_path(optarg, &path) < 0)
                                return log_error_errno(-EINVAL,
                                                       "Invalid --watch=%s: not a slice name (NAME.slice).",
                                                       optarg);
                        if (strv_push(&a->watch, &a->n_watch, optarg) < 0)
                                return log_oom();
                        break;
                }
                case ARG_POLICY_DIR:
                        if (!optarg[0])
                                return log_error_errno(-EINVAL, "Invalid --policy-dir=: empty path.");
                        if (strv_push(&a->policy_dirs, &a->n_policy_dirs, optarg) < 0)
                                return log_oom();
                        break;
                case ARG_STATE:
                case ARG_RUNTIME:
                        if (optarg[0] != '/')
                                return log_error_errno(-EINVAL, "Invalid --%s=%s: not an absolute path.",
                                                       c == ARG_STATE ? "state-dir" : "runtime-dir", optarg);
                        if (set_string(c == ARG_STATE ? &a->state_dir : &a->runtime_dir, optarg) < 0)
                                return log_oom();
                        break;
                case ARG_BUS:
                        if (!optarg[0])
                                return log_error_errno(
                                        -EINVAL, "Invalid --bus=: expected system, user or an address.");
                        if (set_string(&a->bus, optarg) < 0)
                                return log_oom();
                        break;
                case ARG_DRY_RUN:
                        a->dry_run = true;
                        break;
                case ARG_LOG_LEVEL:
                        r = log_level_from_string(optarg);
                        if (r < 0)
                                return log_error_errno(
                                        r, "Invalid --log-level=%s: expected emerg..debug or 0..7.", optarg);
                        log_max_level = r;
                        break;
                case ARG_METRICS_FILE:
                        if (optarg[0] != '/')
                                return log_error_errno(-EINVAL, "Invalid --metrics-file=%s: not an absolute path.",
                                                       optarg);
                        if (set_string(&a->metrics_file, optarg) < 0)
                                return log_oom();
                        break;
                case ARG_METRICS_INTERVAL: {
                        char *end = NULL;
                        double sec;

                        errno = 0;
                        sec = strtod(optarg, &end);
                        if (errno != 0 || end == optarg || *end || !(sec >= 0.01 && sec <= 86400))
                                return log_error_errno(-EINVAL,
                                                       "Invalid --metrics-interval=%s: expected seconds, "
                                                       "0.01..86400.",
                                                       optarg);
                        a->metrics_interval_usec = (uint64_t)(sec * 1e6);
                        break;
                }
                case ':':
                        return log_error_errno(-EINVAL, "Option %s needs a value.", argv[optind - 1]);
                default:
                        return log_error_errno(-EINVAL, "Unknown option \"%s\"; see --help.",
                                               argv[optind - 1]);
                }
        }
        if (optind < argc)
                return log_error_errno(-EINVAL, "Unexpected argument \"%s\"; cgpolicyd takes only options.",
                                       argv[optind]);
        return 1;
}

/* The cgroup v2 mount point as libcgroup sees it. */
static int find_cgroup_root(char **ret) {
        char *mnt = NULL;
        int r;

        r = cgroup_init();
        if (r == 0) {
                r = cgroup_get_subsys_mount_point("memory", &mnt);
                if (r != 0 || !mnt)
                        r = cgroup_get_subsys_mount_point("cpu", &mnt);
        }
        if (r == 0 && mnt) {
                *ret = mnt;
                return 0;
        }
        free(mnt);
        log_debug("libcgroup found no cgroup mount (%s), trying /sys/fs/cgroup", cgroup_strerror(r));
        *ret = strdup("/sys/fs/cgroup");
        return *ret ? 0 : -ENOMEM;
}

/* The tmpfs of a v1 or hybrid layout holds cgroup mounts ("unified", "systemd",
 * "memory", ...): an explicit --cgroup-root pointing there is no v2 tree either. */
static bool has_cgroup_mounts_below(const char *root) {
        static const char *const names[] = {"unified", "systemd", "memory", "cpu,cpuacct", "pids"};

        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                _cleanup_free_ char *p = path_join(root, names[i]);
                struct statfs fs;

                if (p && statfs(p, &fs) >= 0 &&
                    ((uint64_t)fs.f_type == CGROUP_SUPER_MAGIC ||
                     (uint64_t)fs.f_type == CGROUP2_SUPER_MAGIC))
                        return true;
        }
        return false;
}

/* A v1 or hybrid host cannot be managed: the v2 files we write do not exist there. */
static int check_cgroup_root(const char *root, bool explicit) {
        struct statfs fs;
        struct stat st;

        if (stat(root, &st) < 0)
                return log_error_errno(-errno, "cgroup root %s: %m", root);
        if (!S_ISDIR(st.st_mode))
                return log_error_errno(-ENOTDIR, "cgroup root %s is not a directory.", root);
        if (statfs(root, &fs) < 0)
                return log_error_errno(-errno, "Cannot statfs cgroup root %s: %m", root);
        if ((uint64_t)fs.f_type == CGROUP2_SUPER_MAGIC)
                return 0;
        if ((uint64_t)fs.f_type == CGROUP_SUPER_MAGIC || !explicit || has_cgroup_mounts_below(root))
                return log_error_errno(
                        -EMEDIUMTYPE,
                        "%s is not a cgroup v2 (unified) hierarchy: this host uses cgroup v1 or "
                        "the hybrid layout. cgpolicyd needs the unified hierarchy "
                        "(boot with systemd.unified_cgroup_hierarchy=1).",
                        root);
        /* an explicit non-cgroup directory: a test tree or a bind-mounted copy */
        log_notice("cgroup root %s is not a cgroup2 file system; using it as a plain directory tree.", root);
        return 0;
}

static int open_bus(Manager *m, const char *spec) {
        _cleanup_(sd_bus_unrefp) sd_bus *bus = NULL;
        int r;

        if (!spec || streq(spec, "system"))
                r = sd_bus_open_system(&bus);
        else if (streq(spec, "user"))
                r = sd_bus_open_user(&bus);
        else {
                r = sd_bus_new(&bus);
                if (r >= 0)
                        r = sd_bus_set_address(bus, spec);
                if (r >= 0)
                        r = sd_bus_set_bus_client(bus, true);
                if (r >= 0)
                        r = sd_bus_start(bus);
        }
        if (r < 0)
                return log_error_errno(r, "Failed to connect to the %s bus: %m", spec ?: "system");
        (void)sd_bus_set_description(bus, "cgpolicyd");
        r = sd_bus_attach_event(bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "Failed to attach the bus to the event loop: %m");
        m->bus = TAKE_PTR(bus);
        return 0;
}

static int on_sigterm(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;

        log_info("Received SIG%s, restoring original values and exiting.", sigabbrev_np((int)si->ssi_signo));
        (void)sd_notify(false, "STOPPING=1\nSTATUS=Restoring original values...");
        manager_shutdown(m);
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

/* READY=1 and the status line in one message, so no reader sees one without the other. */
static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;
        uint64_t now_usec = 0;

        log_info("Received SIGHUP, reloading policies.");
        (void)sd_event_now(m->event, CLOCK_MONOTONIC, &now_usec);
        (void)sd_notifyf(false, "RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=Reloading policies...",
                         (unsigned long long)now_usec);
        (void)manager_reload(m, NULL);
        manager_notify_ready_when_applied(m);
        return 0;
}

/* One descriptor per unit (its cgroup directory) plus PSI triggers: 1024, the
 * usual soft limit, is too few for a big host. Raise the soft limit to the hard
 * one (LimitNOFILE= in the unit), as systemd's own daemons do; select() is not
 * used, so a high limit costs nothing. */
static void bump_nofile_limit(void) {
        struct rlimit rl;

        if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
                return (void)log_warning_errno(-errno, "Cannot read RLIMIT_NOFILE: %m");
        if (rl.rlim_cur < rl.rlim_max) {
                rlim_t was = rl.rlim_cur;

                rl.rlim_cur = rl.rlim_max;
                if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
                        return (void)log_warning_errno(-errno, "Cannot raise RLIMIT_NOFILE from %llu to %llu: %m",
                                                       (unsigned long long)was, (unsigned long long)rl.rlim_max);
        }
        log_debug("RLIMIT_NOFILE %llu: room for about as many units.", (unsigned long long)rl.rlim_cur);
}

static int run(int argc, char *argv[]) {
        _cleanup_(manager_freep) Manager *m = NULL;
        _cleanup_(args_done) Args a = {};
        Diags diags = {};
        bool explicit_root;
        sigset_t ss;
        int r;

        r = parse_argv(argc, argv, &a);
        if (r <= 0)
                return r;

        bump_nofile_limit();
        r = manager_new(&m);
        if (r < 0)
                return log_oom();

        explicit_root = a.cgroup_root != NULL;
        if (!a.cgroup_root) {
                r = find_cgroup_root(&a.cgroup_root);
                if (r < 0)
                        return log_oom();
        }
        r = check_cgroup_root(a.cgroup_root, explicit_root);
        if (r < 0)
                return r;

        m->cgroup_root = TAKE_PTR(a.cgroup_root);
        if (!a.watch && strv_push(&a.watch, &a.n_watch, "system.slice") < 0)
                return log_oom();
        m->watched_slices = TAKE_PTR(a.watch);
        if (!a.policy_dirs)
                for (const char *const *d = policy_default_dirs; *d; d++)
                        if (strv_push(&a.policy_dirs, &a.n_policy_dirs, *d) < 0)
                                return log_oom();
        m->policy_dirs = TAKE_PTR(a.policy_dirs);
        m->state_dir = a.state_dir ? TAKE_PTR(a.state_dir) : strdup(LOCALSTATEDIR "/lib/cgpolicyd");
        m->runtime_dir = a.runtime_dir ? TAKE_PTR(a.runtime_dir) : strdup("/run/cgpolicyd");
        if (!m->state_dir || !m->runtime_dir)
                return log_oom();
        m->dry_run = a.dry_run;
        parse_context_from_system(&m->parse_ctx);

        r = manager_load_policy_dirs(m, &m->policies, &diags);
        if (r < 0) {
                for (size_t i = 0; i < diags.n; i++) {
                        _cleanup_free_ char *t = diag_format(&diags.items[i]);
                        log_error("%s", strna(t));
                }
                diags_done(&diags);
                return log_error_errno(r, "Cannot load policies, not starting: %m");
        }
        diags_done(&diags);

        r = state_load(&m->priv->state, m->state_dir, m->runtime_dir);
        if (r < 0)
                return log_oom();

        r = sd_event_default(&m->event);
        if (r < 0)
                return log_error_errno(r, "Failed to allocate event loop: %m");

        sigemptyset(&ss);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        sigaddset(&ss, SIGHUP);
        if (sigprocmask(SIG_BLOCK, &ss, NULL) < 0)
                return log_error_errno(-errno, "Failed to block signals: %m");
        {
                sd_event_source *s = NULL;

                r = sd_event_add_signal(m->event, &s, SIGTERM, on_sigterm, m);
                if (r >= 0) {
                        (void)sd_event_source_set_description(s, "signal-SIGTERM");
                        (void)sd_event_source_set_floating(s, true);
                        sd_event_source_unref(s);
                        r = sd_event_add_signal(m->event, &s, SIGINT, on_sigterm, m);
                }
                if (r >= 0) {
                        (void)sd_event_source_set_description(s, "signal-SIGINT");
                        (void)sd_event_source_set_floating(s, true);
                        sd_event_source_unref(s);
                        r = sd_event_add_signal(m->event, &s, SIGHUP, on_sighup, m);
                }
                if (r >= 0) {
                        (void)sd_event_source_set_description(s, "signal-SIGHUP");
                        (void)sd_event_source_set_floating(s, true);
                        sd_event_source_unref(s);
                }
                if (r < 0)
                        return log_error_errno(r, "Failed to add signal sources: %m");
        }
        r = sd_event_set_watchdog(m->event, true);
        if (r < 0)
                log_warning_errno(r, "Failed to enable the watchdog, continuing without: %m");

        r = open_bus(m, a.bus);
        if (r < 0)
                return r;

        if (a.backend == BACKEND_AUTO)
                a.backend = backend_systemd_usable() ? BACKEND_SYSTEMD : BACKEND_CGROUPFS;
        m->backend_type = a.backend;
        m->backend_name = backend_type_to_string(a.backend);
        r = a.backend == BACKEND_SYSTEMD ? backend_systemd_new(m, &m->backend)
                                         : backend_cgroupfs_new(m, &m->backend);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the %s backend: %m", m->backend_name);

        r = discover_inotify_setup(m);
        if (r < 0)
                return r;
        r = a.backend == BACKEND_SYSTEMD ? discover_systemd_start(m) : discover_cgroupfs_start(m);
        if (r < 0)
                return log_error_errno(r, "Failed to start unit discovery: %m");

        r = pressure_loop_setup(m);
        if (r < 0)
                return r;

        r = bus_setup(m);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the D-Bus objects: %m");

        r = metrics_file_setup(m, a.metrics_file, a.metrics_interval_usec ?: 10 * USEC_PER_SEC);
        if (r < 0)
                return r;

        m->priv->started = true;
        /* with cgroupfs the units of the watched slices are still being added,
         * from the event loop: "running" (and READY=1) once they are */
        if (!m->priv->discovering)
                manager_log_running(m);
        manager_notify_ready_when_applied(m);

        r = sd_event_loop(m->event);
        if (r < 0)
                return log_error_errno(r, "Event loop failed: %m");
        log_info("cgpolicyd stopped.");
        return 0;
}

int main(int argc, char *argv[]) {
        int r = run(argc, argv);

        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
