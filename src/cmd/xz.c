/* xz, unxz, xzcat: xz 5.4's command line over liblzma (the same library: the same bytes for
 * the .xz format, CRC64, single-threaded), through the shared front end in lib/archive_vfs.
 * -T is accepted (the VM compresses on one thread). Not done: -l (list), --format=lzma/raw,
 * filter chains, -v progress. */
#include "lib/archive_vfs.h"
#include "lib/cmd.h"

static const vl_opt xz_opts[] = {
    {'z', "compress", VL_NOARG, NULL, "force compression"},
    {'d', "decompress", VL_NOARG, NULL, "force decompression"},
    {'d', "uncompress", VL_NOARG, NULL, NULL},
    {'t', "test", VL_NOARG, NULL, "test compressed file integrity"},
    {'k', "keep", VL_NOARG, NULL, "keep (don't delete) input files"},
    {'f', "force", VL_NOARG, NULL, "force overwrite of output file"},
    {'c', "stdout", VL_NOARG, NULL, "write to standard output and don't delete input files"},
    {'c', "to-stdout", VL_NOARG, NULL, NULL},
    {'T', "threads", VL_ARG, "NUM", "use at most NUM threads (accepted)"},
    {'e', "extreme", VL_NOARG, NULL, "try to improve compression ratio (accepted)"},
    {'q', "quiet", VL_NOARG, NULL, "suppress warnings"},
    {'v', "verbose", VL_NOARG, NULL, "be verbose (accepted)"},
    {'0', NULL, VL_NOARG, NULL, "compression preset; default is 6"},
    {'1', NULL, VL_NOARG, NULL, NULL},
    {'2', NULL, VL_NOARG, NULL, NULL},
    {'3', NULL, VL_NOARG, NULL, NULL},
    {'4', NULL, VL_NOARG, NULL, NULL},
    {'5', NULL, VL_NOARG, NULL, NULL},
    {'6', NULL, VL_NOARG, NULL, NULL},
    {'7', NULL, VL_NOARG, NULL, NULL},
    {'8', NULL, VL_NOARG, NULL, NULL},
    {'9', NULL, VL_NOARG, NULL, NULL},
    {VA_OPT_FAST, "fast", VL_NOARG, NULL, NULL},
    {VA_OPT_BEST, "best", VL_NOARG, NULL, NULL},
    {0, NULL, 0, NULL, NULL},
};

static const char *const xz_sfx[] = {".xz", "", ".txz", ".tar", NULL};
static const va_tool xz_tool = {VA_XZ, VA_STYLE_XZ, ".xz", xz_sfx, false, 0};

static int xz_main(vl_ctx *c, int argc, char **argv)
{
    return va_tool_run(c, argc, argv, &xz_tool, 0);
}
static int unxz_main(vl_ctx *c, int argc, char **argv)
{
    return va_tool_run(c, argc, argv, &xz_tool, 1);
}
static int xzcat_main(vl_ctx *c, int argc, char **argv)
{
    return va_tool_run(c, argc, argv, &xz_tool, 2);
}

VL_COMMAND(xz, xz_main, xz_opts, "[OPTION]... [FILE]...",
           "Compress or decompress FILEs in the .xz format.", 0, 1);
VL_COMMAND(unxz, unxz_main, xz_opts, "[OPTION]... [FILE]...",
           "Decompress FILEs in the .xz format.", 0, 1);
VL_COMMAND(xzcat, xzcat_main, xz_opts, "[OPTION]... [FILE]...",
           "Decompress FILEs in the .xz format to standard output.", 0, 1);
