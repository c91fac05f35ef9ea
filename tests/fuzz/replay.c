/* replay.c: runs every file given (or every file in the directories given, not their
 * subdirectories) through the fuzz target once, so crashers found by `make fuzz` stay fixed. Ends with "N passed, N failed":
 * a crash aborts the run, so reaching the end means every input passed. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return -1;
    }
    uint8_t *buf = malloc(1 << 20);
    size_t n = buf ? fread(buf, 1, 1 << 20, f) : 0;
    fclose(f);
    if (!buf) return -1;
    LLVMFuzzerTestOneInput(buf, n);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    int passed = 0, failed = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) continue;
        if (!S_ISDIR(st.st_mode)) {
            if (run_file(argv[i]) == 0) passed++; else failed++;
            continue;
        }
        DIR *d = opendir(argv[i]);
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.' || strcmp(e->d_name, "README") == 0) continue;
            char p[4096];
            snprintf(p, sizeof p, "%s/%s", argv[i], e->d_name);
            struct stat est;
            if (stat(p, &est) == 0 && S_ISDIR(est.st_mode)) continue; /* another target's */
            if (run_file(p) == 0) passed++; else failed++;
        }
        if (d) closedir(d);
    }
    printf("replay%s%s: %d passed, %d failed\n", getenv("FUZZ_CMD") ? " " : "",
           getenv("FUZZ_CMD") ? getenv("FUZZ_CMD") : "", passed, failed);
    return failed != 0;
}
