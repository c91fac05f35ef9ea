/* json.c: src/lib/json against hand-checked cases: valid documents round-trip to the same
 * compact text, invalid ones fail at the right line:column, escapes and surrogate pairs
 * decode, big numbers keep their text, nesting is bounded, and every byte allocated through
 * the caller's allocator comes back (also when the allocator runs dry half way). */
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"
#include "test.h"

typedef struct counter {
    long long live;      /* bytes allocated and not yet freed */
    long long budget;    /* fail allocations past this many live bytes (-1: no limit) */
} counter;

static void *count_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    counter *c = ud;
    if (nsize == 0) {
        c->live -= (long long)osize;
        free(ptr);
        return NULL;
    }
    if (c->budget >= 0 && c->live - (long long)osize + (long long)nsize > c->budget) return NULL;
    void *p = realloc(ptr, nsize);
    if (p) c->live += (long long)nsize - (long long)osize;
    return p;
}

#define CTX(c) {.fn = count_alloc, .ud = &(c)}

/* Parse text, write it compactly, compare with want (NULL: the same as text). */
static void roundtrip(const char *text, const char *want)
{
    counter c = {0, -1};
    vl_json_ctx cx = CTX(c);
    vl_json_error e;
    vl_json *v = vl_json_parse(&cx, text, strlen(text), &e);
    if (!v) test_fail(__FILE__, __LINE__, "parse %s: %d:%d %s", text, e.line, e.column, e.msg);
    size_t len;
    char *out = vl_json_write(&cx, v, 0, &len);
    ASSERT(out);
    ASSERT_EQ(len, strlen(out));
    ASSERT_STR(out, want ? want : text);
    cx.fn(cx.ud, out, len + 1, 0);
    vl_json_free(&cx, v);
    ASSERT_EQ(c.live, 0);
}

static void bad(const char *text, size_t len, int line, int col, const char *msg)
{
    counter c = {0, -1};
    vl_json_ctx cx = CTX(c);
    vl_json_error e;
    vl_json *v = vl_json_parse(&cx, text, len, &e);
    if (v) test_fail(__FILE__, __LINE__, "parse of %s succeeded", text);
    if (e.line != line || e.column != col || !strstr(e.msg, msg))
        test_fail(__FILE__, __LINE__, "%s: got %d:%d %s, want %d:%d %s", text, e.line, e.column,
                  e.msg, line, col, msg);
    ASSERT_EQ(c.live, 0);
}
#define BAD(t, l, c, m) bad(t, strlen(t), l, c, m)

TEST(json_valid)
{
    roundtrip("null", NULL);
    roundtrip(" true ", "true");
    roundtrip("false", NULL);
    roundtrip("0", NULL);
    roundtrip("-0", NULL);
    roundtrip("1.10", NULL);
    roundtrip("-12.5e+3", NULL);
    roundtrip("1E-7", NULL);
    roundtrip("\"\"", NULL);
    roundtrip("[]", NULL);
    roundtrip("{}", NULL);
    roundtrip("[1, [2, [3]], {\"a\" : {}}]\n", "[1,[2,[3]],{\"a\":{}}]");
    roundtrip("{\"b\":1,\"a\":2}", NULL); /* order kept */
    roundtrip("\t\r\n{ \"k\" :\n[ true , null ] }\n", "{\"k\":[true,null]}");
}

TEST(json_big_numbers)
{
    roundtrip("12345678901234567890123456789", NULL);
    roundtrip("-1e400", NULL);
    roundtrip("0.1000000000000000000000001", NULL);
    counter c = {0, -1};
    vl_json_ctx cx = CTX(c);
    int64_t n;
    vl_json *v = vl_json_parse(&cx, "9223372036854775807", 19, NULL);
    ASSERT(vl_json_num_int64(v, &n));
    ASSERT(n == INT64_MAX);
    vl_json_free(&cx, v);
    v = vl_json_parse(&cx, "-9223372036854775808", 20, NULL);
    ASSERT(vl_json_num_int64(v, &n));
    ASSERT(n == INT64_MIN);
    vl_json_free(&cx, v);
    v = vl_json_parse(&cx, "9223372036854775808", 19, NULL);
    ASSERT(!vl_json_num_int64(v, &n));
    vl_json_free(&cx, v);
    v = vl_json_parse(&cx, "2.5", 3, NULL);
    ASSERT(!vl_json_num_int64(v, &n));
    ASSERT(vl_json_num_double(v) == 2.5);
    vl_json_free(&cx, v);
    v = vl_json_parse(&cx, "1e3", 3, NULL);
    ASSERT(vl_json_num_int64(v, &n));
    ASSERT_EQ(n, 1000);
    vl_json_free(&cx, v);
    v = vl_json_new_double(&cx, 0.1);
    ASSERT_STR(vl_json_str(v, NULL), "0.1");
    vl_json_free(&cx, v);
    v = vl_json_new_int(&cx, -42);
    ASSERT_STR(vl_json_str(v, NULL), "-42");
    vl_json_free(&cx, v);
    ASSERT(!vl_json_new_num_text(&cx, "01", 2));
    ASSERT(!vl_json_new_num_text(&cx, "1.", 2));
    ASSERT_EQ(c.live, 0);
}

TEST(json_escapes)
{
    roundtrip("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"", "\"a\\\"b\\\\c/d\\b\\f\\n\\r\\t\"");
    roundtrip("\"\\u0041\\u00e9\\u20ac\"", "\"A\xc3\xa9\xe2\x82\xac\"");
    roundtrip("\"\\ud83d\\ude00\"", "\"\xf0\x9f\x98\x80\"");         /* surrogate pair */
    roundtrip("\"\\u0001\\u001F\\u007f\"", "\"\\u0001\\u001f\\u007f\"");
    roundtrip("\"\xf0\x9f\x98\x80 \xc3\xa9\"", NULL);                 /* raw UTF-8 as is */
    counter c = {0, -1};
    vl_json_ctx cx = CTX(c);
    vl_json *v = vl_json_parse(&cx, "\"a\\u0000b\"", 10, NULL);
    size_t len;
    const char *s = vl_json_str(v, &len);
    ASSERT_EQ(len, 3);
    ASSERT(!memcmp(s, "a\0b", 3));
    char *out = vl_json_write(&cx, v, 0, &len);
    ASSERT_STR(out, "\"a\\u0000b\"");
    cx.fn(cx.ud, out, len + 1, 0);
    vl_json_free(&cx, v);
    /* invalid UTF-8 handed to the writer comes out as \ufffd */
    out = vl_json_quote(&cx, "x\xff\xc3y", 4, &len);
    ASSERT_STR(out, "\"x\\ufffd\\ufffdy\"");
    cx.fn(cx.ud, out, len + 1, 0);
    ASSERT_EQ(c.live, 0);
}

TEST(json_invalid)
{
    BAD("", 1, 1, "unexpected end of input");
    BAD("   ", 1, 4, "unexpected end of input");
    BAD("nul", 1, 1, "invalid literal");
    BAD("True", 1, 1, "invalid literal");
    BAD("[1,]", 1, 4, "invalid literal");
    BAD("{\"a\":1,}", 1, 8, "object key");
    BAD("{\"a\" 1}", 1, 6, "':' expected");
    BAD("{a:1}", 1, 2, "object key");
    BAD("[1 2]", 1, 4, "',' or ']' expected");
    BAD("[1\n,\n  2", 3, 4, "unexpected end of input");
    BAD("01", 1, 1, "leading zero");
    BAD("+1", 1, 1, "invalid literal");
    BAD("1.", 1, 1, "invalid number");
    BAD(".5", 1, 1, "invalid literal");
    BAD("1e", 1, 1, "invalid number");
    BAD("-", 1, 1, "invalid number");
    BAD("NaN", 1, 1, "invalid literal");
    BAD("1 2", 1, 3, "unexpected text after the value");
    BAD("{} x", 1, 4, "unexpected text");
    BAD("\"abc", 1, 5, "unterminated string");
    BAD("\"a\tb\"", 1, 3, "control character");
    BAD("\"\\x\"", 1, 2, "invalid escape");
    BAD("\"\\u12\"", 1, 2, "\\u escape");
    BAD("\"\\ud800\"", 1, 2, "high surrogate");
    BAD("\"\\ud800\\u0041\"", 1, 2, "high surrogate");
    BAD("\"\\udc00\"", 1, 2, "lone low surrogate");
    BAD("\"\xc0\xaf\"", 1, 2, "invalid UTF-8");        /* overlong '/' */
    BAD("\"\xed\xa0\x80\"", 1, 2, "invalid UTF-8");    /* encoded surrogate */
    BAD("\"\xf4\x90\x80\x80\"", 1, 2, "invalid UTF-8"); /* past U+10FFFF */
    BAD("\"\xe2\x82\"", 1, 2, "invalid UTF-8");        /* cut short */
    BAD("// c\n1", 1, 1, "invalid literal");
    bad("[\0]", 3, 1, 2, "invalid literal");
}

TEST(json_depth)
{
    counter c = {0, -1};
    vl_json_ctx cx = CTX(c);
    cx.max_depth = 10;
    char buf[64];
    memset(buf, '[', 10);
    memset(buf + 10, ']', 10);
    vl_json *v = vl_json_parse(&cx, buf, 20, NULL);
    ASSERT(v);
    vl_json_free(&cx, v);
    memset(buf, '[', 11);
    memset(buf + 11, ']', 11);
    vl_json_error e;
    ASSERT(!vl_json_parse(&cx, buf, 22, &e));
    ASSERT_EQ(e.column, 11);
    ASSERT(strstr(e.msg, "nesting too deep"));
    /* the default bound holds against a deep attack without exhausting the stack */
    cx.max_depth = 0;
    size_t n = 1000000;
    char *deep = malloc(n);
    memset(deep, '[', n);
    ASSERT(!vl_json_parse(&cx, deep, n, &e));
    ASSERT_EQ(e.column, VL_JSON_DEFAULT_DEPTH + 1);
    memset(deep, '{', n);
    for (size_t i = 0; i + 5 < n; i += 5) memcpy(deep + i, "{\"a\":", 5);
    ASSERT(!vl_json_parse(&cx, deep, n, &e));
    ASSERT(strstr(e.msg, "nesting too deep"));
    free(deep);
    ASSERT_EQ(c.live, 0);
}

TEST(json_objects)
{
    counter c = {0, -1};
    vl_json_ctx cx = CTX(c);
    const char *t = "{\"a\":1,\"b\":[true],\"a\":{\"x\":null}}";
    vl_json *v = vl_json_parse(&cx, t, strlen(t), NULL);
    ASSERT(v);
    ASSERT_EQ(vl_json_count(v), 2); /* duplicate: last wins, first position */
    ASSERT_STR(vl_json_key_at(v, 0, NULL), "a");
    ASSERT_EQ(vl_json_type_of(vl_json_get(v, "a")), VL_JSON_OBJECT);
    ASSERT(vl_json_bool(vl_json_at(vl_json_get(v, "b"), 0)));
    ASSERT(!vl_json_get(v, "c"));
    ASSERT(!vl_json_get(vl_json_get(v, "b"), "a")); /* not an object */
    vl_json *b = vl_json_take(&cx, v, "b");
    ASSERT(b);
    ASSERT_EQ(vl_json_count(v), 1);
    vl_json_free(&cx, b);
    size_t len;
    char *out = vl_json_write(&cx, v, 0, &len);
    ASSERT_STR(out, "{\"a\":{\"x\":null}}");
    cx.fn(cx.ud, out, len + 1, 0);
    vl_json_free(&cx, v);

    /* a big object: lookups through the index, duplicates still replaced */
    v = vl_json_new_object(&cx);
    char key[32];
    for (int i = 0; i < 5000; i++) {
        int k = snprintf(key, sizeof key, "k%d", i % 4000);
        ASSERT_OK(vl_json_set(&cx, v, key, (size_t)k, vl_json_new_int(&cx, i)));
    }
    ASSERT_EQ(vl_json_count(v), 4000);
    int64_t n;
    ASSERT(vl_json_num_int64(vl_json_get(v, "k17"), &n));
    ASSERT_EQ(n, 4017);
    ASSERT(vl_json_num_int64(vl_json_get(v, "k3999"), &n));
    ASSERT_EQ(n, 3999);
    vl_json *k1 = vl_json_take(&cx, v, "k1");
    ASSERT(k1);
    vl_json_free(&cx, k1);
    ASSERT(vl_json_get(v, "k2"));
    ASSERT(!vl_json_get(v, "k1"));
    vl_json_free(&cx, v);
    ASSERT_EQ(c.live, 0);
}

TEST(json_pretty)
{
    counter c = {0, -1};
    vl_json_ctx cx = CTX(c);
    const char *t = "{\"a\":[1,{}],\"b\":[],\"c\":\"x\"}";
    vl_json *v = vl_json_parse(&cx, t, strlen(t), NULL);
    size_t len;
    char *out = vl_json_write(&cx, v, VL_JSON_PRETTY, &len);
    /* the same layout as jq . */
    ASSERT_STR(out, "{\n  \"a\": [\n    1,\n    {}\n  ],\n  \"b\": [],\n  \"c\": \"x\"\n}");
    cx.fn(cx.ud, out, len + 1, 0);
    vl_json_free(&cx, v);
    ASSERT_EQ(c.live, 0);
}

/* Every allocation failure point ends cleanly: an error, no leak. */
TEST(json_out_of_memory)
{
    const char *t = "{\"list\":[1,2,3,\"four\\n\",{\"x\":[null,true]}],\"s\":\"\\u00e9t\\u00e9\"}";
    int fails = 0;
    for (long long budget = 0; budget < 4096; budget += 8) {
        counter c = {0, budget};
        vl_json_ctx cx = CTX(c);
        vl_json_error e;
        vl_json *v = vl_json_parse(&cx, t, strlen(t), &e);
        if (!v) {
            ASSERT(strstr(e.msg, "out of memory"));
            fails++;
        } else {
            size_t len;
            char *out = vl_json_write(&cx, v, 0, &len);
            if (out) {
                ASSERT_STR(out, "{\"list\":[1,2,3,\"four\\n\",{\"x\":[null,true]}],"
                                "\"s\":\"\xc3\xa9t\xc3\xa9\"}");
                cx.fn(cx.ud, out, len + 1, 0);
            }
            vl_json_free(&cx, v);
        }
        ASSERT_EQ(c.live, 0);
    }
    ASSERT(fails > 10);
}
