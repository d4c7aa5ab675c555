/* Moving file mappings to huge pages. See hugemap.h. */
#define _GNU_SOURCE /* mremap, MADV_HUGEPAGE */
#include "hugemap.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__linux__)
#include <sys/mman.h>
#endif

int jkb__hugemap_offered(void)
{
    char mode[128];
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    int offered = f && fgets(mode, sizeof mode, f) &&
                  (strstr(mode, "[always]") || strstr(mode, "[madvise]"));
    if (f)
        fclose(f);
    return offered;
}

#if defined(__linux__) && defined(MADV_HUGEPAGE) && defined(MREMAP_FIXED)

#define HUGE_PAGE ((uintptr_t)2 << 20)

/* Copies the mapping at [lo, lo + len) into anonymous memory that may use huge pages and puts
   the copy in its place. The copy is made aside, at the same offset within a huge page as the
   mapping, so that its huge pages are moved whole, and replaces it in one step: a thread
   reading the mapping meanwhile sees the same bytes throughout. */
static size_t move_mapping(uintptr_t lo, size_t len)
{
    size_t span = len + HUGE_PAGE;
    uint8_t *area, *copy, *end;
    area = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (area == MAP_FAILED)
        return 0;
    copy = area + ((lo - (uintptr_t)area) & (HUGE_PAGE - 1));
    end = area + span;
    if (copy > area)
        munmap(area, (size_t)(copy - area));
    if (end > copy + len)
        munmap(copy + len, (size_t)(end - (copy + len)));
    if (madvise(copy, len, MADV_HUGEPAGE) != 0) { /* no huge pages here: nothing to gain */
        munmap(copy, len);
        return 0;
    }
    memcpy(copy, (const void *)lo, len);
    if (mprotect(copy, len, PROT_READ) != 0 ||
        mremap(copy, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)lo) == MAP_FAILED) {
        munmap(copy, len);
        return 0;
    }
    return len;
}

size_t jkb__hugemap_files(const char *dir)
{
    char real[PATH_MAX], line[PATH_MAX + 128];
    unsigned long lo[8], hi[8];
    size_t real_len, n = 0, i, moved = 0;
    FILE *maps;

    if (!jkb__hugemap_offered() || realpath(dir, real) == NULL ||
        (maps = fopen("/proc/self/maps", "r")) == NULL)
        return 0;
    real_len = strlen(real);
    /* Shared read-only mappings of the directory's own files spanning a whole huge page, all
       found before any is moved: the list changes as they are. */
    while (n < sizeof lo / sizeof lo[0] && fgets(line, sizeof line, maps)) {
        char perms[5], *path = strchr(line, '/');
        if (path == NULL || sscanf(line, "%lx-%lx %4s", &lo[n], &hi[n], perms) != 3 ||
            strcmp(perms, "r--s") != 0 || strncmp(path, real, real_len) != 0 ||
            path[real_len] != '/' || strchr(path + real_len + 1, '/') != NULL ||
            ((lo[n] + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1)) + HUGE_PAGE > hi[n])
            continue;
        n++;
    }
    fclose(maps);
    for (i = 0; i < n; i++)
        moved += move_mapping(lo[i], hi[i] - lo[i]);
    return moved;
}

#else

size_t jkb__hugemap_files(const char *dir)
{
    (void)dir;
    return 0;
}

#endif
