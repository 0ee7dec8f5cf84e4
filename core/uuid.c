/*
 * uuid.c -- name-based UUIDs (RFC 4122 version 5: SHA-1 of a namespace and a name), so
 * an export can give each thing it writes an identifier that is the same every time the
 * same input is exported (the REFI-QDA project's GUIDs). SHA-1 here is an identifier
 * hash, as RFC 4122 uses it, not a security measure.
 */
#include "internal.h"

#include <string.h>

typedef struct sha1 {
  uint32_t h[5];
  uint64_t length; /* bytes hashed */
  unsigned char block[64];
  size_t used;
} sha1;

static uint32_t rol(uint32_t x, unsigned n) { return (x << n) | (x >> (32 - n)); }

static void sha1_block(sha1 *s, const unsigned char *p) {
  uint32_t w[80];
  for (int i = 0; i < 16; i++)
    w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
           (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
  for (int i = 16; i < 80; i++)
    w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
  uint32_t a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4];
  for (int i = 0; i < 80; i++) {
    uint32_t f, k;
    if (i < 20) {
      f = (b & c) | (~b & d);
      k = 0x5a827999u;
    } else if (i < 40) {
      f = b ^ c ^ d;
      k = 0x6ed9eba1u;
    } else if (i < 60) {
      f = (b & c) | (b & d) | (c & d);
      k = 0x8f1bbcdcu;
    } else {
      f = b ^ c ^ d;
      k = 0xca62c1d6u;
    }
    uint32_t t = rol(a, 5) + f + e + k + w[i];
    e = d;
    d = c;
    c = rol(b, 30);
    b = a;
    a = t;
  }
  s->h[0] += a;
  s->h[1] += b;
  s->h[2] += c;
  s->h[3] += d;
  s->h[4] += e;
}

static void sha1_init(sha1 *s) {
  static const uint32_t h0[5] = {0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u,
                                 0xc3d2e1f0u};
  memcpy(s->h, h0, sizeof h0);
  s->length = 0;
  s->used = 0;
}

static void sha1_update(sha1 *s, const unsigned char *p, size_t n) {
  s->length += n;
  while (n > 0) {
    size_t take = 64 - s->used < n ? 64 - s->used : n;
    memcpy(s->block + s->used, p, take);
    s->used += take;
    p += take;
    n -= take;
    if (s->used == 64) {
      sha1_block(s, s->block);
      s->used = 0;
    }
  }
}

static void sha1_final(sha1 *s, unsigned char out[20]) {
  uint64_t bits = s->length * 8;
  unsigned char pad = 0x80;
  sha1_update(s, &pad, 1);
  pad = 0;
  while (s->used != 56)
    sha1_update(s, &pad, 1);
  unsigned char len[8];
  for (int i = 0; i < 8; i++)
    len[i] = (unsigned char)(bits >> (56 - 8 * i));
  sha1_update(s, len, 8);
  for (int i = 0; i < 5; i++) {
    out[4 * i] = (unsigned char)(s->h[i] >> 24);
    out[4 * i + 1] = (unsigned char)(s->h[i] >> 16);
    out[4 * i + 2] = (unsigned char)(s->h[i] >> 8);
    out[4 * i + 3] = (unsigned char)s->h[i];
  }
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* The 16 bytes of a UUID written 8-4-4-4-12 in hex; false when text is not one. */
static bool parse_uuid(const char *text, unsigned char out[16]) {
  size_t at = 0;
  for (size_t i = 0; i < 36; i++) {
    char c = text[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-')
        return false;
      continue;
    }
    int hi = hex_value(c), lo = hex_value(c ? text[i + 1] : 0);
    if (hi < 0 || lo < 0)
      return false;
    out[at++] = (unsigned char)(hi << 4 | lo);
    i++;
  }
  return text[36] == '\0';
}

int bqw_uuid5(const char *namespace_uuid, const char *name, size_t len, char out[37]) {
  unsigned char ns[16], digest[20];
  if (!namespace_uuid || !out || (!name && len) || !parse_uuid(namespace_uuid, ns))
    return BQW_EINVAL;
  sha1 s;
  sha1_init(&s);
  sha1_update(&s, ns, sizeof ns);
  if (len)
    sha1_update(&s, (const unsigned char *)name, len);
  sha1_final(&s, digest);
  digest[6] = (unsigned char)((digest[6] & 0x0f) | 0x50); /* version 5 */
  digest[8] = (unsigned char)((digest[8] & 0x3f) | 0x80); /* the RFC 4122 variant */
  static const char hex[] = "0123456789abcdef";
  size_t o = 0;
  for (int i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10)
      out[o++] = '-';
    out[o++] = hex[digest[i] >> 4];
    out[o++] = hex[digest[i] & 15];
  }
  out[o] = '\0';
  return 0;
}
