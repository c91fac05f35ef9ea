#!/bin/sh
# Box rule 1 of DESIGN.md: src/cmd and src/shell reach the host only through the kernel.
# Fails when they call the host's file, process, network, environment or exit functions.
bad='\b(open|openat|openat2|creat|fopen|fdopen|freopen|close|read|write|pread|pwrite|lseek|stat|lstat|fstat|fstatat|access|opendir|readdir|closedir|mkdir|rmdir|unlink|unlinkat|rename|renameat|link|symlink|readlink|chmod|chown|chdir|getcwd|truncate|ftruncate|utime|utimes|utimensat|dup|dup2|pipe|fork|vfork|execl|execlp|execle|execv|execvp|execve|system|popen|pclose|posix_spawn|posix_spawnp|waitpid|wait|kill|raise|signal|sigaction|socket|connect|bind|listen|accept|getaddrinfo|gethostbyname|getenv|setenv|unsetenv|putenv|clearenv|exit|_exit|_Exit|abort|atexit|time|gettimeofday|clock_gettime|sleep|usleep|nanosleep|rand|srand|random|srandom|malloc|calloc|realloc|free|strdup|strndup|printf|fprintf|puts|fputs|putchar|fwrite|fread|fgets|getline|getchar|perror|tmpfile|mkstemp|isatty|ioctl|mmap|dlopen|setlocale)[[:space:]]*\('
out=$(grep -nE "$bad" src/cmd/*.c src/shell/*.c src/shell/*.h src/lib/cmd.h 2>/dev/null |
      grep -vE '^[^:]*:[0-9]+:[[:space:]]*(\*|//|/\*)' |
      grep -vE '(\.|->|[A-Za-z0-9_])(open|close|read|write|stat|lstat|fstat|access|mkdir|rmdir|unlink|rename|link|symlink|readlink|chmod|truncate|dup|pipe|wait|kill|time|exit|free|malloc|realloc|calloc|strdup|printf|puts|system|signal|sleep|random)[[:space:]]*\(' )
if [ -n "$out" ]; then
    echo "check-boxes: host calls in src/cmd or src/shell (go through the kernel):" >&2
    echo "$out" >&2
    exit 1
fi
echo "check-boxes: src/cmd and src/shell make no host calls"
