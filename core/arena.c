/*
 * arena.c -- bump allocation for a dataset's strings and tables, and a growable
 * byte buffer. An arena's memory is returned in one arena_free().
 */
#include "internal.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct arena_chunk {
  arena_chunk *next;
  size_t used, size;
  max_align_t data[];
};

#define HUGE_PAGE ((size_t)2 << 20)
#define SMALL_PAGE ((size_t)4096)

void advise_huge(void *p, size_t len) {
#ifdef MADV_HUGEPAGE
  uintptr_t start = ((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
  uintptr_t end = ((uintptr_t)p + len) & ~(uintptr_t)(HUGE_PAGE - 1);
  if (p && end > start)
    (void)madvise((void *)start, end - start, MADV_HUGEPAGE); /* a hint only */
#else
  (void)p;
  (void)len;
#endif
}

/* Every huge_* block carries this just below the pointer handed out: `mapped` is the
 * length of its own mapping (which starts one page below the block), 0 for a block
 * from malloc. */
typedef struct {
  size_t mapped;
  size_t size;
} huge_header;

static size_t round_up(size_t n, size_t to) { return (n + to - 1) & ~(to - 1); }

void *huge_alloc(size_t size, bool populate) {
  if (size < HUGE_PAGE) {
    huge_header *h = malloc(sizeof *h + size);
    if (!h)
      return NULL;
    *h = (huge_header){0, size};
    return h + 1;
  }
  /* Straight from the kernel, not malloc: aligned, so every whole 2 MB page of the
   * block can be a huge page, and given back by huge_free. From malloc, glibc serves a
   * block under its mmap threshold (raised to 32 MB by earlier frees) from its heap,
   * where aligned blocks leave holes: reloading a 10 MB digest fourteen times grew the
   * peak resident set by up to 30 MB (tests/lua/memory_spec.lua). */
  size_t body = round_up(size, SMALL_PAGE);
  if (body < size || body > SIZE_MAX - HUGE_PAGE - SMALL_PAGE)
    return NULL;
  size_t span = SMALL_PAGE + body + HUGE_PAGE;
  char *raw =
      mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED)
    return NULL;
  char *p = (char *)round_up((uintptr_t)raw + SMALL_PAGE, HUGE_PAGE);
  char *head = p - SMALL_PAGE, *tail = p + body;
  if (head > raw)
    munmap(raw, (size_t)(head - raw));
  if (raw + span > tail)
    munmap(tail, (size_t)(raw + span - tail));
  advise_huge(p, size);
#ifdef MADV_POPULATE_WRITE
  /* A call maps many pages instead of a trap per page; EINVAL before Linux 5.14, and
   * then the pages fault in one by one as before. One huge page a call: a call holds
   * the process's mmap lock while it maps, and a thread that maps memory meanwhile (the
   * host's allocator: Neovim's Lua, while a load runs in the background) waits for it;
   * 100 MB in one call stalled Neovim for 210-280 ms (bench/nvim.py), and steps of 8 MB
   * still for 23-77 ms now and then; a huge page takes ~1 ms. */
  const size_t step = HUGE_PAGE;
  for (size_t at = 0; populate && at < size; at += step)
    if (madvise(p + at, size - at < step ? size - at : step, MADV_POPULATE_WRITE))
      break;
#else
  (void)populate;
#endif
  huge_header *h = (huge_header *)p - 1;
  *h = (huge_header){SMALL_PAGE + body, size};
  return p;
}

void huge_free(void *p) {
  if (!p)
    return;
  huge_header *h = (huge_header *)p - 1;
  if (h->mapped)
    munmap((char *)p - SMALL_PAGE, h->mapped);
  else
    free(h);
}

void *huge_realloc(void *p, size_t size) {
  if (!p)
    return huge_alloc(size, false);
  huge_header *h = (huge_header *)p - 1;
  if (!h->mapped && size < HUGE_PAGE) {
    huge_header *grown = realloc(h, sizeof *h + size);
    if (!grown)
      return NULL;
    grown->size = size;
    return grown + 1;
  }
  void *q = huge_alloc(size, false);
  if (!q)
    return NULL;
  memcpy(q, p, h->size < size ? h->size : size);
  huge_free(p);
  return q;
}

/* The capacity that follows cap (initial at first), or 0 when its bytes overflow. */
static size_t next_cap(size_t cap, size_t size, size_t initial) {
  size_t n = cap ? cap * 2 : initial;
  return n <= cap || n > SIZE_MAX / size ? 0 : n;
}

void *huge_grow(void *items, size_t count, size_t *cap, size_t size, size_t initial) {
  if (count < *cap)
    return items;
  size_t n = next_cap(*cap, size, initial);
  void *p = n ? huge_realloc(items, n * size) : NULL;
  if (p)
    *cap = n;
  return p;
}

void arena_init(arena *a, size_t chunk_size) {
  a->head = NULL;
  a->chunk_size = chunk_size;
  a->total = 0;
}

void arena_free(arena *a) {
  arena_chunk *c = a->head;
  while (c) {
    arena_chunk *next = c->next;
    huge_free(c);
    c = next;
  }
  a->head = NULL;
  a->total = 0;
}

void *arena_alloc(arena *a, size_t size) {
  size = (size + 7) & ~(size_t)7;
  arena_chunk *c = a->head;
  if (!c || c->size - c->used < size) {
    /* A request larger than a quarter chunk gets a chunk of its own, placed behind
     * the head so the head's free space is not wasted. */
    bool own = size > a->chunk_size / 4;
    /* Chunks grow with the arena, to 4 MB, so a large dataset's sit in whole huge
     * pages (a chunk of 2 MB or more is one block of them, header included). */
    if (!own && a->chunk_size < ((size_t)4 << 20) && a->total >= a->chunk_size * 4)
      a->chunk_size *= 2;
    size_t want = own ? size : a->chunk_size;
    if (!own && want >= ((size_t)2 << 20))
      want -= offsetof(arena_chunk, data);
    arena_chunk *fresh = huge_alloc(offsetof(arena_chunk, data) + want, false);
    if (!fresh)
      return NULL;
    fresh->used = 0;
    fresh->size = want;
    a->total += want;
    if (c && own) {
      fresh->next = c->next;
      c->next = fresh;
    } else {
      fresh->next = c;
      a->head = fresh;
    }
    c = fresh;
  }
  void *p = (char *)c->data + c->used;
  c->used += size;
  return p;
}

char *arena_strndup(arena *a, const char *s, size_t len) {
  char *p = arena_alloc(a, len + 1);
  if (!p)
    return NULL;
  memcpy(p, s, len);
  p[len] = '\0';
  return p;
}

void *array_grow(void *items, size_t count, size_t *cap, size_t size, size_t initial) {
  if (count < *cap)
    return items;
  size_t n = next_cap(*cap, size, initial);
  void *p = n ? realloc(items, n * size) : NULL;
  if (p) {
    *cap = n;
    advise_huge(p, n * size);
  }
  return p;
}

bool buffer_reserve(buffer *b, size_t extra) {
  if (b->cap - b->len >= extra)
    return true;
  size_t cap = b->cap ? b->cap : 256;
  while (cap - b->len < extra)
    cap *= 2;
  char *p = realloc(b->data, cap);
  if (!p)
    return false;
  b->data = p;
  b->cap = cap;
  return true;
}

bool buffer_append(buffer *b, const void *data, size_t len) {
  if (!len)
    return true; /* data may be NULL, and b->data may not be allocated yet */
  if (!buffer_reserve(b, len))
    return false;
  memcpy(b->data + b->len, data, len);
  b->len += len;
  return true;
}

void buffer_free(buffer *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}
