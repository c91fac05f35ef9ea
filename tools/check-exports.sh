#!/bin/sh
# libvos.so exports only vos_ symbols.
so=$1
bad=$(nm -D --defined-only "$so" | awk '{print $3}' | grep -v '^vos_' | grep -vE '^(_init|_fini|_edata|_end|__bss_start)$')
if [ -n "$bad" ]; then
    echo "check-exports: libvos.so exports non-vos_ symbols:" >&2
    echo "$bad" >&2
    exit 1
fi
echo "check-exports: libvos.so exports $(nm -D --defined-only "$so" | grep -c ' T vos_') vos_ functions only"
