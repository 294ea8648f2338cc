/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgpolicyctl: option parsing and verb dispatch. Thin: links libsystemd and the
 * pure core only, never daemon code. */

#define _GNU_SOURCE

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ctl.h"
#include "macro.h"
#include "verbs.h"

/* The one list of verbs: dispatch, --help, and (checked by
 * tests/unit/check-man-synopsis.sh) the man page's SYNOPSIS and the shell
 * completions all follow it. */
static const struct {
        const char *name;
        const char *args; /* as in --help and the SYNOPSIS */
        int min_args, max_args; /* positional arguments after the verb; -1 = unbounded */
        int (*run)(int argc, char *argv[]);
        const char *help;
} verbs[] = {
        {"status", "[UNIT...]", 0, -1, verb_status, "Show the daemon's state, or the units' values"},
        {"list", "[PATTERN...]", 0, -1, verb_list, "List managed units (all, or matching the globs)"},
        {"show", "UNIT...", 1, -1, verb_show, "Show units' properties as systemctl show does"},
        {"explain", "UNIT", 1, 1, verb_explain, "Show which layer sets each property, and whether it holds"},
        {"set-property", "UNIT PROPERTY=VALUE...", 2, -1, verb_set_property,
         "Set properties (persistent, or --runtime)"},
        {"revert", "UNIT [PROPERTY...]", 1, -1, verb_revert,
         "Drop set-property overrides (all, or the named ones)"},
        {"reload", "", 0, 0, verb_reload, "Reload policy files"},
        {"check", "FILE|DIR...", 1, -1, verb_check, "Validate policy files without a daemon"},
        {"pressure", "[UNIT...]", 0, -1, verb_pressure, "Show memory/CPU/IO pressure, read now"},
        {"monitor", "", 0, 0, verb_monitor, "Print every decision and change as it comes"},
        {"metrics", "[prometheus]", 0, 1, verb_metrics, "Print the metrics (OpenMetrics, or Prometheus text)"},
};

static void help(void) {
        printf("cgpolicyctl [OPTIONS...] COMMAND ...\n\n"
               "Control the cgpolicyd resource-policy daemon.\n\n"
               "Commands:\n");
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++) {
                char head[64];
                snprintf(head, sizeof head, "%s%s%s", verbs[i].name, *verbs[i].args ? " " : "", verbs[i].args);
                printf("  %-36s  %s\n", head, verbs[i].help);
                if (streq(verbs[i].name, "check"))
                        printf("        [--explain UNIT [--user U] [--exe PATH] [--slice S]]\n");
        }
        printf("\nUnit names without a suffix mean .service; status, list, show and pressure\n"
               "take glob patterns (quote them).\n\n"
               "Options:\n"
               "  -h --help                Show this help\n"
               "     --version             Show the version\n"
               "     --system              Talk to the daemon on the system bus (default)\n"
               "     --user                Talk to the daemon on the user bus\n"
               "  -H --host=[USER@]HOST    Operate on a remote host (over ssh)\n"
               "     --bus-address=ADDR    Connect to this D-Bus address ($CGPOLICY_BUS_ADDRESS)\n"
               "     --json[=short|pretty] Print JSON (read commands)\n"
               "  -p --property=NAME       show: only these properties (repeatable)\n"
               "  -P NAME                  show: only this property's value (-p NAME --value)\n"
               "     --value               show: print values only, without NAME=\n"
               "     --runtime             set-property: until reboot only\n"
               "     --dry-run             set-property: validate and preview, change nothing\n"
               "     --no-pager            Do not pipe output into a pager\n"
               "     --no-legend           Do not print headers and footers\n"
               "     --no-ask-password     Do not let polkit ask for a password\n\n"
               "Exit status: 0 success, 1 failure, 3 (status) the daemon is not running,\n"
               "4 no such unit.\n");
}

static int strv_push(char ***l, const char *s) {
        size_t n = 0;

        while (*l && (*l)[n])
                n++;
        char **nl = realloc(*l, (n + 2) * sizeof(char *));
        if (!nl)
                return -ENOMEM;
        *l = nl;
        nl[n] = strdup(s);
        if (!nl[n])
                return -ENOMEM;
        nl[n + 1] = NULL;
        return 0;
}

/* `check` has its own options (--user U means a user name there), so it gets
 * its arguments untouched: find the verb before getopt looks at anything. */
static int find_verb(int argc, char *argv[]) {
        static const char *const with_arg[] = {"-H", "--host", "--bus-address", "-p", "--property", "-P"};

        for (int i = 1; i < argc; i++) {
                if (streq(argv[i], "--"))
                        return i + 1 < argc ? i + 1 : -1;
                if (argv[i][0] != '-' || argv[i][1] == 0)
                        return i;
                for (size_t k = 0; k < ELEMENTSOF(with_arg); k++)
                        if (streq(argv[i], with_arg[k])) {
                                i++;
                                break;
                        }
        }
        return -1;
}

enum {
        ARG_VERSION = 0x100,
        ARG_SYSTEM,
        ARG_USER,
        ARG_BUS_ADDRESS,
        ARG_JSON,
        ARG_RUNTIME,
        ARG_DRY_RUN,
        ARG_NO_PAGER,
        ARG_NO_LEGEND,
        ARG_NO_ASK_PASSWORD,
        ARG_VALUE,
};

static int parse_argv(int argc, char *argv[]) {
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"version", no_argument, NULL, ARG_VERSION},
                {"system", no_argument, NULL, ARG_SYSTEM},
                {"user", no_argument, NULL, ARG_USER},
                {"host", required_argument, NULL, 'H'},
                {"bus-address", required_argument, NULL, ARG_BUS_ADDRESS},
                {"json", optional_argument, NULL, ARG_JSON},
                {"property", required_argument, NULL, 'p'},
                {"runtime", no_argument, NULL, ARG_RUNTIME},
                {"dry-run", no_argument, NULL, ARG_DRY_RUN},
                {"no-pager", no_argument, NULL, ARG_NO_PAGER},
                {"no-legend", no_argument, NULL, ARG_NO_LEGEND},
                {"no-ask-password", no_argument, NULL, ARG_NO_ASK_PASSWORD},
                {"full", no_argument, NULL, 'l'},
                {"value", no_argument, NULL, ARG_VALUE},
                {},
        };
        int c;

        opterr = 0;
        while ((c = getopt_long(argc, argv, ":hH:p:P:l", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("cgpolicyctl %s\n", PACKAGE_VERSION);
                        return 0;
                case ARG_SYSTEM:
                        arg.user = false;
                        break;
                case ARG_USER:
                        arg.user = true;
                        break;
                case 'H':
                        arg.host = optarg;
                        break;
                case ARG_BUS_ADDRESS:
                        arg.bus_address = optarg;
                        break;
                case ARG_JSON:
                        if (!optarg || streq(optarg, "short"))
                                arg.json = JSON_SHORT;
                        else if (streq(optarg, "pretty"))
                                arg.json = JSON_PRETTY;
                        else if (streq(optarg, "off"))
                                arg.json = JSON_OFF;
                        else {
                                fprintf(stderr,
                                        "Unknown --json= mode \"%s\": expected short, pretty or off.\n",
                                        optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_VALUE:
                        arg.value = true;
                        break;
                case 'P':
                        arg.value = true;
                        if (strv_push(&arg.properties, optarg) < 0)
                                return -ENOMEM;
                        break;
                case 'p': {
                        /* "-p A,B" as systemctl takes it, or repeated. */
                        _cleanup_free_ char *copy = strdup(optarg);
                        char *save = NULL;
                        if (!copy)
                                return -ENOMEM;
                        for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save))
                                if (strv_push(&arg.properties, w) < 0)
                                        return -ENOMEM;
                        break;
                }
                case ARG_RUNTIME:
                        arg.runtime = true;
                        break;
                case ARG_DRY_RUN:
                        arg.dry_run = true;
                        break;
                case ARG_NO_PAGER:
                        arg.no_pager = true;
                        break;
                case ARG_NO_LEGEND:
                        arg.no_legend = true;
                        break;
                case ARG_NO_ASK_PASSWORD:
                        arg.ask_password = false;
                        break;
                case 'l':
                        arg.full = true;
                        break;
                case ':':
                        fprintf(stderr, "Option \"%s\" needs an argument.\n", argv[optind - 1]);
                        return -EINVAL;
                default:
                        fprintf(stderr, "Unknown option \"%s\". See cgpolicyctl --help.\n",
                                argv[optind - 1]);
                        return -EINVAL;
                }
        return 1;
}

int main(int argc, char *argv[]) {
        int r, v;

        v = find_verb(argc, argv);
        if (v > 0 && streq(argv[v], "check"))
                return verb_check(argc - v, argv + v);

        r = parse_argv(argc, argv);
        if (r <= 0) {
                strv_freep(&arg.properties);
                return r < 0 ? CTL_EXIT_FAILURE : CTL_EXIT_SUCCESS;
        }
        if (optind >= argc) {
                help();
                strv_freep(&arg.properties);
                return CTL_EXIT_FAILURE;
        }

        const char *verb = argv[optind];
        int nargs = argc - optind - 1;
        r = -1;
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++) {
                if (!streq(verb, verbs[i].name))
                        continue;
                if (nargs < verbs[i].min_args)
                        fprintf(stderr, "Too few arguments for \"%s\". See cgpolicyctl --help.\n", verb);
                else if (verbs[i].max_args >= 0 && nargs > verbs[i].max_args)
                        fprintf(stderr, "Too many arguments for \"%s\". See cgpolicyctl --help.\n", verb);
                else
                        r = verbs[i].run(nargs + 1, argv + optind);
                if (r < 0)
                        r = CTL_EXIT_FAILURE;
                strv_freep(&arg.properties);
                return r;
        }
        fprintf(stderr, "Unknown command verb \"%s\". See cgpolicyctl --help.\n", verb);
        strv_freep(&arg.properties);
        return CTL_EXIT_FAILURE;
}
