/* bzip2, bunzip2, bzcat: bzip2 1.0.8's command line over libbz2 (the same library, so the same
 * bytes), through the shared front end in lib/archive_vfs. Not done: -v's ratios, -s (accepted;
 * the VM's memory limit bounds the decoder instead), bzip2recover. */
#include "lib/archive_vfs.h"
#include "lib/cmd.h"

static const vl_opt bzip2_opts[] = {
    {'c', "stdout", VL_NOARG, NULL, "output to standard out"},
    {'d', "decompress", VL_NOARG, NULL, "force decompression"},
    {'z', "compress", VL_NOARG, NULL, "force compression"},
    {'k', "keep", VL_NOARG, NULL, "keep (don't delete) input files"},
    {'f', "force", VL_NOARG, NULL, "overwrite existing output files"},
    {'t', "test", VL_NOARG, NULL, "test compressed file integrity"},
    {'q', "quiet", VL_NOARG, NULL, "suppress noncritical error messages"},
    {'v', "verbose", VL_NOARG, NULL, "be verbose (accepted)"},
    {'s', "small", VL_NOARG, NULL, "use less memory (accepted)"},
    {'1', "fast", VL_NOARG, NULL, "block size 100k"},
    {'2', NULL, VL_NOARG, NULL, NULL},
    {'3', NULL, VL_NOARG, NULL, NULL},
    {'4', NULL, VL_NOARG, NULL, NULL},
    {'5', NULL, VL_NOARG, NULL, NULL},
    {'6', NULL, VL_NOARG, NULL, NULL},
    {'7', NULL, VL_NOARG, NULL, NULL},
    {'8', NULL, VL_NOARG, NULL, NULL},
    {'9', "best", VL_NOARG, NULL, "block size 900k"},
    {0, NULL, 0, NULL, NULL},
};

static const char *const bz_sfx[] = {".bz2", "", ".bz", "", ".tbz2", ".tar", ".tbz", ".tar", NULL};
static const va_tool bz_tool = {VA_BZIP2, VA_STYLE_BZIP2, ".bz2", bz_sfx, false, 0};

static int bzip2_main(vl_ctx *c, int argc, char **argv)
{
    return va_tool_run(c, argc, argv, &bz_tool, 0);
}
static int bunzip2_main(vl_ctx *c, int argc, char **argv)
{
    return va_tool_run(c, argc, argv, &bz_tool, 1);
}
static int bzcat_main(vl_ctx *c, int argc, char **argv)
{
    return va_tool_run(c, argc, argv, &bz_tool, 2);
}

VL_COMMAND(bzip2, bzip2_main, bzip2_opts, "[flags and input files in any order]",
           "a block-sorting file compressor", 0, 1);
VL_COMMAND(bunzip2, bunzip2_main, bzip2_opts, "[flags and input files in any order]",
           "a block-sorting file decompressor", 0, 1);
VL_COMMAND(bzcat, bzcat_main, bzip2_opts, "[flags and input files in any order]",
           "decompresses files to stdout", 0, 1);
