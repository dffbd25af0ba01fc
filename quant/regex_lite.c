/*
 * A small regular-expression matcher for --tensor-type patterns.
 *
 * llama-quantize matches its tensor-type overrides with std::regex_search
 * (ECMAScript). Tensor names are short ASCII strings and the patterns people
 * write are simple ("ffn_down", "blk\.[0-3]\.attn_v", "(attn_q|attn_k)"), so
 * the core library carries this subset instead of depending on a regex
 * library: literals, ., [...] and [^...] with ranges, \d \w \s \D \W \S and
 * escaped punctuation, groups ( ) and (?: ), |, the quantifiers * + ? {m}
 * {m,} {m,n} (lazy forms match the same strings), and the anchors ^ $.
 *
 * The pattern is compiled to a tiny backtracking program (Thompson-style
 * instructions with relative jumps, so fragments can be moved and copied
 * while quantifiers are applied) and run with an explicit, bounded stack and
 * a step budget: a hostile pattern fails, it cannot hang or overflow.
 */
#include "quant/regex_lite.h"

#include <stdlib.h>
#include <string.h>

enum { OP_CHAR, OP_ANY, OP_CLASS, OP_SPLIT, OP_JMP, OP_BOL, OP_EOL, OP_MATCH };

typedef struct rx_inst {
    uint8_t op;
    uint8_t ch;
    int     x, y;          /* relative jump targets */
    uint8_t set[32];       /* OP_CLASS: bitmap of the 256 byte values */
} rx_inst;

struct rx_prog {
    rx_inst *code;
    int      len, cap;
};

#define RX_MAX_INST  4096
#define RX_MAX_STACK 4096
#define RX_MAX_STEPS 1000000L

typedef struct rx_parser {
    const char *p;
    rx_prog    *prog;
    int         depth;
    int         bad;
} rx_parser;

static int emit(rx_parser *ps, rx_inst in)
{
    rx_prog *g = ps->prog;
    if (g->len >= RX_MAX_INST) {
        ps->bad = 1;
        return -1;
    }
    if (g->len == g->cap) {
        int cap = g->cap ? g->cap * 2 : 64;
        rx_inst *c = realloc(g->code, (size_t)cap * sizeof *c);
        if (!c) {
            ps->bad = 1;
            return -1;
        }
        g->code = c;
        g->cap = cap;
    }
    g->code[g->len] = in;
    return g->len++;
}

/* Inserts `in` at `at`, moving the code after it one slot on. */
static void insert_at(rx_parser *ps, int at, rx_inst in)
{
    if (emit(ps, in) < 0)
        return;
    rx_prog *g = ps->prog;
    memmove(g->code + at + 1, g->code + at, (size_t)(g->len - 1 - at) * sizeof *g->code);
    g->code[at] = in;
}

static rx_inst mk(uint8_t op, int x, int y)
{
    rx_inst in;
    memset(&in, 0, sizeof in);
    in.op = op;
    in.x = x;
    in.y = y;
    return in;
}

static void set_bit(uint8_t *set, int c) { set[c >> 3] |= (uint8_t)(1u << (c & 7)); }

static void set_range(uint8_t *set, int lo, int hi)
{
    for (int c = lo; c <= hi; c++)
        set_bit(set, c);
}

/* \d \w \s (and their negations) into `set`; 0 if `e` is not such a class. */
static int class_escape(uint8_t *set, char e)
{
    uint8_t tmp[32] = {0};
    switch (e | 0x20) {
    case 'd': set_range(tmp, '0', '9'); break;
    case 'w': set_range(tmp, '0', '9'); set_range(tmp, 'a', 'z');
              set_range(tmp, 'A', 'Z'); set_bit(tmp, '_'); break;
    case 's': set_bit(tmp, ' '); set_range(tmp, '\t', '\r'); break;
    default: return 0;
    }
    int negate = e >= 'A' && e <= 'Z';
    for (int i = 0; i < 32; i++)
        set[i] |= negate ? (uint8_t)~tmp[i] : tmp[i];
    return 1;
}

/* The byte an escape stands for (\n, \t, or the character itself). */
static int escape_char(char e)
{
    switch (e) {
    case 'n': return '\n';
    case 't': return '\t';
    case 'r': return '\r';
    case 'f': return '\f';
    case 'v': return '\v';
    case '0': return 0;
    default: return (unsigned char)e;
    }
}

static void parse_class(rx_parser *ps)
{
    rx_inst in = mk(OP_CLASS, 0, 0);
    int negate = 0;
    if (*ps->p == '^') {
        negate = 1;
        ps->p++;
    }
    int first = 1;
    while (*ps->p && (*ps->p != ']' || first)) {
        first = 0;
        int lo;
        if (*ps->p == '\\') {
            if (!ps->p[1]) {
                ps->bad = 1;
                return;
            }
            if (class_escape(in.set, ps->p[1])) {
                ps->p += 2;
                continue;
            }
            lo = escape_char(ps->p[1]);
            ps->p += 2;
        } else {
            lo = (unsigned char)*ps->p++;
        }
        int hi = lo;
        if (ps->p[0] == '-' && ps->p[1] && ps->p[1] != ']') {
            if (ps->p[1] == '\\') {
                if (!ps->p[2]) {
                    ps->bad = 1;
                    return;
                }
                hi = escape_char(ps->p[2]);
                ps->p += 3;
            } else {
                hi = (unsigned char)ps->p[1];
                ps->p += 2;
            }
            if (hi < lo) {
                ps->bad = 1;
                return;
            }
        }
        set_range(in.set, lo, hi);
    }
    if (*ps->p != ']') {
        ps->bad = 1;
        return;
    }
    ps->p++;
    if (negate)
        for (int i = 0; i < 32; i++)
            in.set[i] = (uint8_t)~in.set[i];
    emit(ps, in);
}

static void parse_alt(rx_parser *ps);

static void parse_atom(rx_parser *ps)
{
    char c = *ps->p;
    if (c == '(') {
        ps->p++;
        if (ps->p[0] == '?' && ps->p[1] == ':')
            ps->p += 2;
        if (++ps->depth > 64) {
            ps->bad = 1;
            return;
        }
        parse_alt(ps);
        ps->depth--;
        if (*ps->p != ')') {
            ps->bad = 1;
            return;
        }
        ps->p++;
    } else if (c == '[') {
        ps->p++;
        parse_class(ps);
    } else if (c == '.') {
        ps->p++;
        emit(ps, mk(OP_ANY, 0, 0));
    } else if (c == '^') {
        ps->p++;
        emit(ps, mk(OP_BOL, 0, 0));
    } else if (c == '$') {
        ps->p++;
        emit(ps, mk(OP_EOL, 0, 0));
    } else if (c == '\\') {
        if (!ps->p[1]) {
            ps->bad = 1;
            return;
        }
        rx_inst in = mk(OP_CLASS, 0, 0);
        if (class_escape(in.set, ps->p[1])) {
            emit(ps, in);
        } else {
            in = mk(OP_CHAR, 0, 0);
            in.ch = (uint8_t)escape_char(ps->p[1]);
            emit(ps, in);
        }
        ps->p += 2;
    } else if (c == '*' || c == '+' || c == '?' || c == ')' || c == '|' || c == '\0') {
        ps->bad = 1;   /* a quantifier with nothing to repeat, etc. */
    } else {
        rx_inst in = mk(OP_CHAR, 0, 0);
        in.ch = (uint8_t)c;
        ps->p++;
        emit(ps, in);
    }
}

/* Reads a decimal count of a {m,n} quantifier; -1 if there is none. */
static int read_count(rx_parser *ps)
{
    if (*ps->p < '0' || *ps->p > '9')
        return -1;
    int v = 0;
    while (*ps->p >= '0' && *ps->p <= '9') {
        v = v * 10 + (*ps->p++ - '0');
        if (v > 1000) {
            ps->bad = 1;
            return -1;
        }
    }
    return v;
}

/* Makes code[start..] (one fragment of length len) optional: SPLIT +1, +len+1. */
static void make_optional(rx_parser *ps, int start, int len)
{
    insert_at(ps, start, mk(OP_SPLIT, 1, len + 1));
}

/* Makes code[start..] repeat zero or more times. */
static void make_star(rx_parser *ps, int start, int len)
{
    insert_at(ps, start, mk(OP_SPLIT, 1, len + 2));
    emit(ps, mk(OP_JMP, -(len + 1), 0));
}

/* x{lo,hi} (hi < 0: no bound) as lo copies of x, then x* or (hi - lo) x?.
 * Jumps are relative, so copies of the fragment stay valid. */
static void apply_counted(rx_parser *ps, int start, int len, int lo, int hi)
{
    rx_inst *frag = malloc((size_t)len * sizeof *frag + 1);
    if (!frag) {
        ps->bad = 1;
        return;
    }
    memcpy(frag, ps->prog->code + start, (size_t)len * sizeof *frag);
    ps->prog->len = start;
    int extra = hi < 0 ? 1 : hi - lo;
    for (int i = 0; i < lo + extra && !ps->bad; i++) {
        int at = ps->prog->len;
        for (int k = 0; k < len; k++)
            emit(ps, frag[k]);
        if (i >= lo && !ps->bad) {
            if (hi < 0)
                make_star(ps, at, len);
            else
                make_optional(ps, at, len);
        }
    }
    free(frag);
}

static void parse_repeat(rx_parser *ps)
{
    int start = ps->prog->len;
    parse_atom(ps);
    while (!ps->bad) {
        int len = ps->prog->len - start;
        char c = *ps->p;
        if (c == '*') {
            ps->p++;
            make_star(ps, start, len);
        } else if (c == '+') {
            ps->p++;
            emit(ps, mk(OP_SPLIT, -len, 1));
        } else if (c == '?') {
            ps->p++;
            make_optional(ps, start, len);
        } else if (c == '{') {
            const char *save = ps->p++;
            int lo = read_count(ps), hi = lo;
            if (lo >= 0 && *ps->p == ',') {
                ps->p++;
                hi = read_count(ps);   /* -1: no upper bound */
            }
            if (ps->bad)
                return;
            if (lo < 0 || *ps->p != '}' || (hi >= 0 && hi < lo)) {
                /* ECMAScript (Annex B) reads a brace that is no quantifier
                 * as a literal '{'. */
                ps->p = save;
                return;
            }
            ps->p++;
            apply_counted(ps, start, len, lo, hi);
        } else {
            return;
        }
        if (*ps->p == '?')   /* lazy: the same strings match */
            ps->p++;
    }
}

static void parse_concat(rx_parser *ps)
{
    while (!ps->bad && *ps->p && *ps->p != '|' && *ps->p != ')') {
        if (*ps->p == '{') {   /* literal brace */
            rx_inst in = mk(OP_CHAR, 0, 0);
            in.ch = '{';
            ps->p++;
            emit(ps, in);
            continue;
        }
        parse_repeat(ps);
    }
}

static void parse_alt(rx_parser *ps)
{
    int start = ps->prog->len;
    parse_concat(ps);
    while (!ps->bad && *ps->p == '|') {
        ps->p++;
        int len_a = ps->prog->len - start;
        insert_at(ps, start, mk(OP_SPLIT, 1, len_a + 2));
        int jmp = emit(ps, mk(OP_JMP, 0, 0));
        parse_concat(ps);
        if (jmp >= 0 && !ps->bad)
            ps->prog->code[jmp].x = ps->prog->len - jmp;
    }
}

slim_error rx_compile(const char *pattern, rx_prog **out)
{
    *out = NULL;
    rx_prog *g = calloc(1, sizeof *g);
    if (!g)
        return SLIM_ERR_NOMEM;
    rx_parser ps = { pattern, g, 0, 0 };
    parse_alt(&ps);
    if (!ps.bad && *ps.p != '\0')
        ps.bad = 1;   /* an unbalanced ')' */
    if (!ps.bad)
        emit(&ps, mk(OP_MATCH, 0, 0));
    if (ps.bad) {
        rx_free(g);
        return SLIM_ERR_CORRUPT;
    }
    *out = g;
    return SLIM_OK;
}

void rx_free(rx_prog *g)
{
    if (g) {
        free(g->code);
        free(g);
    }
}

typedef struct rx_thread {
    int    pc;
    size_t sp;
} rx_thread;

/* 1 if the program matches at s[start..], 0 if not, -1 if the budget ran out. */
static int run_at(const rx_prog *g, const char *s, size_t n, size_t start, long *steps,
                  rx_thread *stack)
{
    int top = 0;
    stack[top++] = (rx_thread){ 0, start };
    while (top > 0) {
        rx_thread t = stack[--top];
        for (;;) {
            if (++*steps > RX_MAX_STEPS)
                return -1;
            const rx_inst *in = &g->code[t.pc];
            if (in->op == OP_MATCH)
                return 1;
            if (in->op == OP_JMP) {
                t.pc += in->x;
                continue;
            }
            if (in->op == OP_SPLIT) {
                if (top == RX_MAX_STACK)
                    return -1;
                stack[top++] = (rx_thread){ t.pc + in->y, t.sp };
                t.pc += in->x;
                continue;
            }
            if (in->op == OP_BOL || in->op == OP_EOL) {
                if (in->op == OP_BOL ? t.sp != 0 : t.sp != n)
                    break;
                t.pc++;
                continue;
            }
            if (t.sp >= n)
                break;
            unsigned char c = (unsigned char)s[t.sp];
            int ok = in->op == OP_ANY ? (c != '\n' && c != '\r')
                   : in->op == OP_CHAR ? c == in->ch
                   : (in->set[c >> 3] >> (c & 7)) & 1;
            if (!ok)
                break;
            t.sp++;
            t.pc++;
        }
    }
    return 0;
}

int rx_search(const rx_prog *g, const char *s)
{
    rx_thread *stack = malloc(RX_MAX_STACK * sizeof *stack);
    if (!stack)
        return -1;
    size_t n = strlen(s);
    long steps = 0;
    int r = 0;
    for (size_t start = 0; start <= n && r == 0; start++)
        r = run_at(g, s, n, start, &steps, stack);
    free(stack);
    return r;
}
