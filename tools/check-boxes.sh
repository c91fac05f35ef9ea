#!/bin/sh
# Box rule 1 of DESIGN.md: src/cmd and src/shell reach the host only through the kernel.
# Fails when their code (comments and string literals stripped) calls the host's file,
# process, network, environment, exit or allocation functions directly.
funcs='open|openat|openat2|creat|fopen|fdopen|freopen|close|read|write|pread|pwrite|lseek|stat|lstat|fstat|fstatat|access|opendir|readdir|closedir|mkdir|rmdir|unlink|unlinkat|rename|renameat|link|symlink|readlink|chmod|chown|chdir|getcwd|truncate|ftruncate|utime|utimes|utimensat|dup|dup2|pipe|fork|vfork|execl|execlp|execle|execv|execvp|execve|system|popen|pclose|posix_spawn|posix_spawnp|waitpid|wait|kill|raise|signal|sigaction|socket|connect|bind|listen|accept|getaddrinfo|gethostbyname|getenv|setenv|unsetenv|putenv|clearenv|exit|_exit|_Exit|abort|atexit|time|gettimeofday|clock_gettime|sleep|usleep|nanosleep|rand|srand|random|srandom|malloc|calloc|realloc|free|strdup|strndup|printf|fprintf|puts|fputs|putchar|fwrite|fread|fgets|getline|getchar|perror|tmpfile|mkstemp|isatty|ioctl|mmap|dlopen|setlocale'
status=0
for f in src/cmd/*.c src/shell/*.c src/shell/*.h src/lib/cmd.h; do
    [ -f "$f" ] || continue
    # strip /* */ comments (also across lines), // comments and string/char literals, then
    # look for a call: the name not preceded by an identifier char, '.', '>' (member calls)
    out=$(perl -0777 -pe 's{/\*.*?\*/}{" " x 0 . join("", map { "\n" } ($& =~ /\n/g))}gse;
                          s{//[^\n]*}{}g; s{"(\\.|[^"\\\n])*"}{""}g; s{'"'"'(\\.|[^'"'"'\\\n])*'"'"'}{0}g' "$f" |
          grep -nE "(^|[^A-Za-z0-9_.>])($funcs)[[:space:]]*\(" )
    if [ -n "$out" ]; then
        echo "$out" | sed "s|^|$f:|" >&2
        status=1
    fi
done
if [ $status -ne 0 ]; then
    echo "check-boxes: host calls in src/cmd or src/shell (go through the kernel: kernel/kernel.h)" >&2
    exit 1
fi
echo "check-boxes: src/cmd and src/shell make no host calls"

# Box rules 2 and 4: layers point one way (api -> shell/cmd -> lib -> kernel -> drivers), and
# the CLI is a host like any other: it includes only the public header.
bad=""
for f in src/kernel/*.c src/kernel/*.h; do
    grep -nE '#include "(lib|shell|cmd|api|cli)/' "$f" | sed "s|^|$f:|"
done > /tmp/vos-layers.$$
for f in src/fs/*.c src/fs/*.h; do
    grep -nE '#include "' "$f" | grep -vE '#include "(vos|vos_driver)\.h"|#include "fs/' | sed "s|^|$f:|"
done >> /tmp/vos-layers.$$
for f in src/lib/*.c src/lib/*.h; do
    grep -nE '#include "(shell|cmd|api|cli|fs)/|#include "kernel/(internal|host)\.h"' "$f" | sed "s|^|$f:|"
done >> /tmp/vos-layers.$$
for f in src/shell/*.c src/shell/*.h src/cmd/*.c; do
    [ -f "$f" ] || continue
    grep -nE '#include "(api|cli|fs)/|#include "kernel/(internal|host)\.h"' "$f" | sed "s|^|$f:|"
done >> /tmp/vos-layers.$$
for f in src/cli/*.c; do
    grep -nE '#include "' "$f" | grep -v '#include "vos.h"' | sed "s|^|$f:|"
done >> /tmp/vos-layers.$$
if [ -s /tmp/vos-layers.$$ ]; then
    cat /tmp/vos-layers.$$ >&2
    rm -f /tmp/vos-layers.$$
    echo "check-boxes: an include against the layers (DESIGN.md: api -> shell/cmd -> lib -> kernel -> drivers; the CLI sees vos.h only)" >&2
    exit 1
fi
rm -f /tmp/vos-layers.$$
echo "check-boxes: the layers point one way; the CLI includes only vos.h"
