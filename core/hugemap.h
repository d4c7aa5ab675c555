/*
 * Huge pages for files read at random. A file mapped in 4 KiB pages costs a TLB miss for
 * nearly every lookup that jumps across it; anonymous memory may use 2 MiB pages instead.
 */
#ifndef JKB_CORE_HUGEMAP_H
#define JKB_CORE_HUGEMAP_H

#include <stddef.h>

/* Whether anonymous memory may use huge pages when advised to (transparent huge pages
   "always" or "madvise"). */
int jkb__hugemap_offered(void);

/*
 * Moves this process's shared read-only mappings of the files in dir that span a whole huge
 * page into anonymous memory advised to use huge pages, each at its own address, with the
 * same bytes (the files must not change meanwhile). Returns the bytes moved, which now count
 * as the process's own memory; 0 where the system offers no huge pages (or not on Linux).
 */
size_t jkb__hugemap_files(const char *dir);

#endif
