/* zstd, unzstd, zstdcat: zstd 1.5's command line over libzstd (the same library: the same
 * bytes, with the content size and checksum in the frame as the tool writes them), through the
 * shared front end in lib/archive_vfs. The input is kept unless --rm, as zstd does. Not done:
 * --ultra levels past 19, dictionaries, --long, -T (accepted), the other formats zstd can read
 * (.gz, .xz), progress display. */
#include "lib/archive_vfs.h"
#include "lib/cmd.h"

#include <string.h>

static const vl_opt zstd_opts[] = {
    {'z', "compress", VL_NOARG, NULL, "compress"},
    {'d', "decompress", VL_NOARG, NULL, "decompression"},
    {'d', "uncompress", VL_NOARG, NULL, NULL},
    {'c', "stdout", VL_NOARG, NULL, "write to standard output (even if it is the console)"},
    {'o', NULL, VL_ARG, "FILE", "result stored into FILE (only 1 output file)"},
    {'f', "force", VL_NOARG, NULL, "disable input and output checks"},
    {VA_OPT_RM, "rm", VL_NOARG, NULL, "remove source file(s) after successful de/compression"},
    {'k', "keep", VL_NOARG, NULL, "preserve source file(s) (default)"},
    {'t', "test", VL_NOARG, NULL, "test compressed file integrity"},
    {'q', "quiet", VL_NOARG, NULL, "suppress warnings"},
    {'v', "verbose", VL_NOARG, NULL, "verbose mode (accepted)"},
    {'T', "threads", VL_ARG, "NUM", "spawn NUM threads (accepted)"},
    {VA_OPT_FAST, "fast", VL_OPTARG, "N", NULL},
    {0, NULL, 0, NULL, NULL},
};

static const char *const zstd_sfx[] = {".zst", "", ".tzst", ".tar", NULL};

/* zstd reads "-19" as one level, not -1 -9: take such words out before option parsing. */
static int zstd_run(vl_ctx *c, int argc, char **argv, int mode)
{
    va_tool tool = {VA_ZSTD, VA_STYLE_ZSTD, ".zst", zstd_sfx, true, 0};
    char **v = vl_xcalloc(c, (size_t)argc + 1, sizeof *v);
    int n = 0;
    bool end = false;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) end = true;
        if (i > 0 && !end && a[0] == '-' && a[1] >= '0' && a[1] <= '9' &&
            strspn(a + 1, "0123456789") == strlen(a + 1)) {
            int lvl = 0;
            for (const char *s = a + 1; *s && lvl < 100; s++) lvl = lvl * 10 + (*s - '0');
            if (lvl > 19) lvl = 19;
            tool.level = lvl ? lvl : 3;
            continue;
        }
        v[n++] = argv[i];
    }
    v[n] = NULL;
    return va_tool_run(c, n, v, &tool, mode);
}

static int zstd_main(vl_ctx *c, int argc, char **argv)
{
    return zstd_run(c, argc, argv, 0);
}
static int unzstd_main(vl_ctx *c, int argc, char **argv)
{
    return zstd_run(c, argc, argv, 1);
}
static int zstdcat_main(vl_ctx *c, int argc, char **argv)
{
    return zstd_run(c, argc, argv, 2);
}

VL_COMMAND(zstd, zstd_main, zstd_opts, "[OPTION]... [FILE]... [-o file]",
           "Compress or decompress .zst files (levels -1 to -19).", 0, 1);
VL_COMMAND(unzstd, unzstd_main, zstd_opts, "[OPTION]... [FILE]... [-o file]",
           "Decompress .zst files.", 0, 1);
VL_COMMAND(zstdcat, zstdcat_main, zstd_opts, "[OPTION]... [FILE]...",
           "Decompress .zst files to standard output.", 0, 1);
