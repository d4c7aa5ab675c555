#define _DEFAULT_SOURCE /* realpath */
#include "helpers.h"

#include <stdint.h>
#include <sys/mman.h>

#include "hugemap.h"

#define BIG (6u << 20)

static void write_pattern(const char *path, size_t len, uint32_t seed)
{
    FILE *f = fopen(path, "wb");
    size_t i;
    assert_non_null(f);
    for (i = 0; i < len; i += 4) {
        seed = seed * 1103515245u + 12345u;
        assert_int_equal(fwrite(&seed, 4, 1, f), 1);
    }
    assert_int_equal(fclose(f), 0);
}

static const uint8_t *map_file(const char *path, size_t len)
{
    FILE *f = fopen(path, "rb");
    void *m;
    assert_non_null(f);
    m = mmap(NULL, len, PROT_READ, MAP_SHARED, fileno(f), 0);
    fclose(f);
    assert_true(m != MAP_FAILED);
    return m;
}

static int same_as_file(const uint8_t *m, const char *path, size_t len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *want = malloc(len);
    int same;
    assert_non_null(f);
    assert_non_null(want);
    assert_int_equal(fread(want, 1, len, f), len);
    fclose(f);
    same = memcmp(m, want, len) == 0;
    free(want);
    return same;
}

static int mapped_from(const char *path)
{
    FILE *maps = fopen("/proc/self/maps", "r");
    char line[4200];
    int found = 0;
    if (maps == NULL)
        return -1;
    while (!found && fgets(line, sizeof line, maps)) {
        char *p = strchr(line, '/');
        found = p && strncmp(p, path, strlen(path)) == 0 && p[strlen(path)] == '\n';
    }
    fclose(maps);
    return found;
}

/* The big file of the directory is moved, byte for byte; a small one and one in a
   subdirectory stay mapped from their files, unchanged. */
static void test_moves_the_directory_files(void **state)
{
    char *dir = temp_dir(), big[600], small[600], sub[600], deep[600], real[4096];
    const uint8_t *m_big, *m_small, *m_deep;
    size_t moved;
    (void)state;
    snprintf(big, sizeof big, "%s/sys.dic", dir);
    snprintf(small, sizeof small, "%s/char.bin", dir);
    snprintf(sub, sizeof sub, "%s/sub", dir);
    snprintf(deep, sizeof deep, "%s/sub/other.dic", dir);
    assert_int_equal(mkdir(sub, 0755), 0);
    write_pattern(big, BIG, 1);
    write_pattern(small, 64 << 10, 2);
    write_pattern(deep, BIG, 3);
    m_big = map_file(big, BIG);
    m_small = map_file(small, 64 << 10);
    m_deep = map_file(deep, BIG);

    moved = jkb__hugemap_files(dir);
    assert_int_equal(moved, jkb__hugemap_offered() ? BIG : 0);
    assert_true(same_as_file(m_big, big, BIG));
    assert_true(same_as_file(m_small, small, 64 << 10));
    assert_true(same_as_file(m_deep, deep, BIG));
    assert_non_null(realpath(dir, real));
    strcat(real, "/sys.dic");
    assert_int_equal(mapped_from(real), moved == 0);
    assert_non_null(realpath(deep, real));
    assert_int_equal(mapped_from(real), 1);
    /* nothing is left to move; the moved mapping is unmapped like the others */
    assert_int_equal(jkb__hugemap_files(dir), 0);
    assert_int_equal(munmap((void *)(uintptr_t)m_big, BIG), 0);
    munmap((void *)(uintptr_t)m_small, 64 << 10);
    munmap((void *)(uintptr_t)m_deep, BIG);
    rm_tree(dir);
}

static void test_missing_directory(void **state)
{
    (void)state;
    assert_int_equal(jkb__hugemap_files("/nonexistent/jikenbo-dictionary"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_moves_the_directory_files),
        cmocka_unit_test(test_missing_directory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
