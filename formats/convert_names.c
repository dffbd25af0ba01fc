/*
 * general.* naming as convert_hf_to_gguf.py derives it (gguf-py's
 * Metadata): the title-cased name, the size label from the parameter count,
 * and the parts of a model id ("org/Base-1.5B-Instruct-v2": organization,
 * basename, size label, finetune, version). Known answers in
 * tests/test_convert.c.
 */
#include "formats/convert_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void conv_title(const char *id, char *out, size_t cap)
{
    /* Metadata.id_to_title: '-' becomes a space; an all-lowercase word that
     * is not a version ("v1.2") and does not start with a digit is
     * title-cased (a letter after a non-letter is upper case). */
    size_t o = 0;
    const char *p = id;
    while (*p && o + 1 < cap) {
        while (*p == '-' || isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        size_t wl = 0;
        while (p[wl] && p[wl] != '-' && !isspace((unsigned char)p[wl]))
            wl++;
        int has_lower = 0, has_upper = 0;
        for (size_t i = 0; i < wl; i++) {
            has_lower |= islower((unsigned char)p[i]) != 0;
            has_upper |= isupper((unsigned char)p[i]) != 0;
        }
        int version = p[0] == 'v' && wl > 1 && isdigit((unsigned char)p[1]);
        for (size_t i = 1; version && i < wl; i++)
            version = isdigit((unsigned char)p[i]) || (p[i] == '.' && i + 1 < wl &&
                                                       isdigit((unsigned char)p[i + 1]));
        int title = has_lower && !has_upper && !version && !isdigit((unsigned char)p[0]);
        if (o && o + 1 < cap)
            out[o++] = ' ';
        for (size_t i = 0; i < wl && o + 1 < cap; i++) {
            char ch = p[i];
            if (title) {
                int after_letter = i > 0 && isalpha((unsigned char)p[i - 1]);
                ch = (char)(after_letter ? tolower((unsigned char)ch) : toupper((unsigned char)ch));
            }
            out[o++] = ch;
        }
        p += wl;
    }
    out[o] = 0;
}

void conv_size_label(uint64_t n, char *out, size_t cap)
{
    /* gguf-py's model_weight_count_rounded_notation with min_digits 2 */
    double x = (double)n;
    double s;
    char suf;
    if (x > 1e12) {
        s = x * 1e-12;
        suf = 'T';
    } else if (x > 1e9) {
        s = x * 1e-9;
        suf = 'B';
    } else if (x > 1e6) {
        s = x * 1e-6;
        suf = 'M';
    } else {
        s = x * 1e-3;
        suf = 'K';
    }
    char digits[32];
    snprintf(digits, sizeof digits, "%.0f", nearbyint(s));
    int len = digits[0] == '0' ? 0 : (int)strlen(digits);
    int fix = len < 2 ? 2 - len : 0;
    snprintf(out, cap, "%.*f%c", fix, s, suf);
}

/* ---- the parts of a model id (get_model_id_components) ---- */

enum { P_VERSION = 1, P_TYPE = 2, P_SIZE = 4, P_FINETUNE = 8, P_BASENAME = 16 };
#define MAX_PARTS 32

/* \d+([.]\d+)* from p, to its end */
static int dotted_number(const char *p)
{
    while (*p) {
        size_t d = strspn(p, "0123456789");
        if (d == 0)
            return 0;
        p += d;
        if (*p == '.')
            p++;
        else
            break;
        if (!*p)
            return 0;
    }
    return *p == 0;
}

/* (v|iter)?\d+([.]\d+)*, case-insensitive */
static int is_version(const char *p)
{
    if (!strncasecmp(p, "iter", 4))
        p += 4;
    else if (*p == 'v' || *p == 'V')
        p++;
    return isdigit((unsigned char)*p) && dotted_number(p);
}

/* i?q\d(_\w)*|b?fp?(16|32), case-insensitive */
static int is_quant_type(const char *p)
{
    const char *s = p;
    if (tolower((unsigned char)*s) == 'i')
        s++;
    if (tolower((unsigned char)*s) == 'q' && isdigit((unsigned char)s[1])) {
        s += 2;
        while (s[0] == '_' && (isalnum((unsigned char)s[1]) || s[1] == '_'))
            s += 2;
        if (!*s)
            return 1;
    }
    s = p;
    if (tolower((unsigned char)*s) == 'b')
        s++;
    if (tolower((unsigned char)*s) != 'f')
        return 0;
    s++;
    if (tolower((unsigned char)*s) == 'p')
        s++;
    return !strcmp(s, "16") || !strcmp(s, "32");
}

/* (([A]|\d+[x])?\d+([._]\d+)?[KMBT][\d]?|small|mini|medium|large|x?xl) */
static int is_size(const char *p)
{
    static const char *const words[] = { "small", "mini", "medium", "large", "xl", "xxl" };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (!strcasecmp(p, words[i]))
            return 1;
    const char *s = p;
    size_t d = strspn(s, "0123456789");
    if ((*s == 'a' || *s == 'A') && isdigit((unsigned char)s[1]))
        s++;
    else if (d > 0 && (s[d] == 'x' || s[d] == 'X') && isdigit((unsigned char)s[d + 1]))
        s += d + 1;
    d = strspn(s, "0123456789");
    if (d == 0)
        return 0;
    s += d;
    if ((*s == '.' || *s == '_') && isdigit((unsigned char)s[1]))
        s += 1 + strspn(s + 1, "0123456789");
    if (!*s || !strchr("KMBTkmbt", *s))
        return 0;
    s++;
    if (isdigit((unsigned char)*s))
        s++;
    return *s == 0;
}

static int is_finetune_word(const char *p)
{
    return !strcasecmp(p, "chat") || !strcasecmp(p, "instruct") || !strcasecmp(p, "vision") ||
           !strcasecmp(p, "lora");
}

/* A size part normalized ("7b1" -> "7.1B", "1_5b" -> "1.5B"); a size far
 * from the parameter count is a context length ("128k"), a finetune. */
static unsigned size_part(char *part, uint64_t params)
{
    size_t n = strlen(part);
    for (size_t i = 0; i < n; i++)
        if (part[i] == '_')
            part[i] = '.';
    if (n >= 2 && isdigit((unsigned char)part[n - 1])) {
        /* bloom-7b1: the last two characters swap around a point */
        char last = part[n - 1], unit = part[n - 2];
        part[n - 2] = '.';
        part[n - 1] = last;
        part[n] = unit;
        part[n + 1] = 0;
        n++;
    }
    if (n > 1 && isdigit((unsigned char)part[n - 2]) && strchr("kmbt", part[n - 1]))
        part[n - 1] = (char)toupper((unsigned char)part[n - 1]);
    const char *units = " KMBT";
    const char *u = strchr(units, part[n - 1]);
    char *end;
    char num[64];
    snprintf(num, sizeof num, "%.*s", (int)(n - 1), part);
    double v = strtod(num, &end);
    if (params && u && *u && n > 1 && *end == 0 && end != num) {
        double label = v * pow(1000.0, (double)(u - units));
        double total = (double)params;
        if (fabs(label - total) > (double)(7 * params / 8)) {
            part[n - 1] = (char)tolower((unsigned char)part[n - 1]);
            return P_FINETUNE;
        }
    }
    return P_SIZE;
}

static void join(char *out, size_t cap, char **parts, const unsigned *types, int n,
                 unsigned want, unsigned exclude, int unique)
{
    size_t o = 0;
    out[0] = 0;
    for (int i = 0; i < n; i++) {
        if (!(types[i] & want) || (types[i] & exclude))
            continue;
        int dup = 0;
        for (int j = 0; unique && j < i && !dup; j++)
            dup = (types[j] & want) && !strcmp(parts[j], parts[i]);
        if (dup)
            continue;
        int k = snprintf(out + o, cap - o, "%s%s", o ? "-" : "", parts[i]);
        if (k < 0 || (size_t)k >= cap - o)
            break;
        o += (size_t)k;
    }
}

void conv_name_parts(const char *id, uint64_t params, conv_names *out)
{
    memset(out, 0, sizeof *out);
    if (!id || !*id || strchr(id, ' '))
        return;
    const char *name = id, *slash = strchr(id, '/');
    if (slash) {
        if (slash > id && id[0] != '.') {
            char org[128];
            snprintf(org, sizeof org, "%.*s", (int)(slash - id), id);
            conv_title(org, out->organization, sizeof out->organization);
        }
        name = slash + 1;
    }
    /* each part gets room for size_part's one extra character */
    char buf[512];
    snprintf(buf, sizeof buf - 2, "%s", name);
    char *parts[MAX_PARTS];
    char store[MAX_PARTS][72];
    unsigned types[MAX_PARTS] = { 0 };
    int n = 0;
    for (char *save = NULL, *t = strtok_r(buf, "-", &save); t && n < MAX_PARTS;
         t = strtok_r(NULL, "-", &save)) {
        snprintf(store[n], sizeof store[n] - 2, "%s", t);
        parts[n] = store[n];
        n++;
    }
    for (int i = 0; i < n; i++) {
        char *p = parts[i];
        if (is_version(p)) {
            types[i] |= P_VERSION;
        } else if (is_quant_type(p)) {
            types[i] |= P_TYPE;
            for (char *q = p; *q; q++)
                *q = (char)toupper((unsigned char)*q);
        } else if (i > 0 && is_size(p)) {
            types[i] |= size_part(p, params);
        } else if (i > 0 && is_finetune_word(p)) {
            types[i] |= P_FINETUNE;
        }
    }
    /* word sizes ("small") give way to a numeric one */
    int numeric = 0;
    for (int i = 0; i < n; i++)
        numeric |= (types[i] & P_SIZE) && strpbrk(parts[i], "0123456789");
    for (int i = 0; numeric && i < n; i++) {
        int alpha = 1;
        for (char *q = parts[i]; *q; q++)
            alpha &= isalpha((unsigned char)*q) != 0;
        if ((types[i] & P_SIZE) && alpha)
            types[i] &= ~(unsigned)P_SIZE;
    }
    int at_start = 1;
    for (int i = 0; i < n; i++) {
        if (at_start && ((!types[i] && isalpha((unsigned char)parts[i][0])) ||
                         (types[i] & P_VERSION))) {
            types[i] |= P_BASENAME;
        } else {
            at_start = 0;
            if (!types[i])
                types[i] |= P_FINETUNE;
        }
    }
    /* a trailing version is not part of the basename */
    for (int i = n - 1; i >= 0; i--) {
        if (!(types[i] & P_BASENAME) || types[i] == P_BASENAME)
            break;
        types[i] &= ~(unsigned)P_BASENAME;
    }
    join(out->basename, sizeof out->basename, parts, types, n, P_BASENAME, 0, 0);
    join(out->size_label, sizeof out->size_label, parts, types, n, P_SIZE, 0, 1);
    join(out->finetune, sizeof out->finetune, parts, types, n, P_FINETUNE, 0, 0);
    join(out->version, sizeof out->version, parts, types, n, P_VERSION, P_BASENAME, 0);
    if (!out->size_label[0] && !out->finetune[0] && !out->version[0])
        out->basename[0] = 0; /* too ambiguous */
}
