/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Runs a libFuzzer target over files given on the command line (a corpus), so
 * the corpus doubles as a regression test under gcc, ASan and valgrind. */

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path) {
        FILE *f = fopen(path, "rb");
        if (!f) {
                perror(path);
                return -1;
        }
        uint8_t *buf = NULL;
        size_t size = 0, cap = 0;
        for (;;) {
                if (size == cap) {
                        cap = cap ? cap * 2 : 4096;
                        uint8_t *n = realloc(buf, cap);
                        if (!n) {
                                free(buf);
                                fclose(f);
                                return -1;
                        }
                        buf = n;
                }
                size_t k = fread(buf + size, 1, cap - size, f);
                if (k == 0)
                        break;
                size += k;
        }
        fclose(f);
        LLVMFuzzerTestOneInput(buf, size);
        free(buf);
        return 0;
}

int main(int argc, char *argv[]) {
        unsigned n = 0;
        for (int i = 1; i < argc; i++) {
                struct stat st;
                if (stat(argv[i], &st) < 0) {
                        perror(argv[i]);
                        return 1;
                }
                if (!S_ISDIR(st.st_mode)) {
                        if (run_file(argv[i]) < 0)
                                return 1;
                        n++;
                        continue;
                }
                struct dirent **ents;
                int k = scandir(argv[i], &ents, NULL, alphasort);
                if (k < 0) {
                        perror(argv[i]);
                        return 1;
                }
                for (int j = 0; j < k; j++) {
                        char path[4096];
                        if (ents[j]->d_name[0] != '.') {
                                snprintf(path, sizeof path, "%s/%s", argv[i], ents[j]->d_name);
                                if (run_file(path) < 0)
                                        return 1;
                                n++;
                        }
                        free(ents[j]);
                }
                free(ents);
        }
        printf("%u inputs ran without a crash\n", n);
        return n > 0 ? 0 : 1;
}
