/* IQ4_NL / IQ4_XS kernels for NEON. Quantization runs 8 blocks at a time
 * (simd/iq4_lanes.h) as pairs of 4-lane vectors; the 8-entry look-ups are
 * single TBL instructions on byte indices. */
#include "simd/kernels.h"

#include <arm_neon.h>

typedef struct { float32x4_t a, b; } f32x8;
typedef struct { uint32x4_t a, b; } u32x8;

#define IQ4_W 8
#define IQ4_FN static inline
#define IQ4_ATTR
#define IQ4_SUFFIX neon
#define VF f32x8
#define VM u32x8
/* Lane index p kept as the byte indices 4p..4p+3 of a 32-byte table. */
#define VP u32x8
#define VT uint8x16x2_t

#define F2(name, op) \
    static inline f32x8 name(f32x8 x, f32x8 y) { return (f32x8){ op(x.a, y.a), op(x.b, y.b) }; }
F2(vf_add, vaddq_f32)
F2(vf_sub, vsubq_f32)
F2(vf_mul, vmulq_f32)
F2(vf_div, vdivq_f32)
#define M2(name, op) \
    static inline u32x8 name(f32x8 x, f32x8 y) { return (u32x8){ op(x.a, y.a), op(x.b, y.b) }; }
M2(vm_gt, vcgtq_f32)
M2(vm_lt, vcltq_f32)

static inline f32x8 vf_set1(float v) { return (f32x8){ vdupq_n_f32(v), vdupq_n_f32(v) }; }
static inline f32x8 vf_load(const float *p) { return (f32x8){ vld1q_f32(p), vld1q_f32(p + 4) }; }
static inline void vf_store(float *p, f32x8 v) { vst1q_f32(p, v.a); vst1q_f32(p + 4, v.b); }
static inline f32x8 vf_sqrt(f32x8 v) { return (f32x8){ vsqrtq_f32(v.a), vsqrtq_f32(v.b) }; }
static inline f32x8 vf_abs(f32x8 v) { return (f32x8){ vabsq_f32(v.a), vabsq_f32(v.b) }; }
static inline f32x8 vf_sel(u32x8 m, f32x8 x, f32x8 y)
{
    return (f32x8){ vbslq_f32(m.a, x.a, y.a), vbslq_f32(m.b, x.b, y.b) };
}
/* !(x < y): the ordered compare is false on NaN, so its negation is true. */
static inline u32x8 vm_nlt(f32x8 x, f32x8 y)
{
    return (u32x8){ vmvnq_u32(vcltq_f32(x.a, y.a)), vmvnq_u32(vcltq_f32(x.b, y.b)) };
}
static inline u32x8 vm_and(u32x8 x, u32x8 y) { return (u32x8){ vandq_u32(x.a, y.a), vandq_u32(x.b, y.b) }; }
static inline uint8x16x2_t vt_load(const float *t)
{
    return (uint8x16x2_t){ { vreinterpretq_u8_f32(vld1q_f32(t)), vreinterpretq_u8_f32(vld1q_f32(t + 4)) } };
}
static inline f32x8 vt_look(uint8x16x2_t t, u32x8 p)
{
    return (f32x8){ vreinterpretq_f32_u8(vqtbl2q_u8(t, vreinterpretq_u8_u32(p.a))),
                    vreinterpretq_f32_u8(vqtbl2q_u8(t, vreinterpretq_u8_u32(p.b))) };
}
static inline u32x8 vp_zero(void) { return (u32x8){ vdupq_n_u32(0x03020100u), vdupq_n_u32(0x03020100u) }; }
static inline u32x8 vp_add_if(u32x8 p, u32x8 m, uint32_t k)
{
    const uint32x4_t step = vdupq_n_u32(k * 0x04040404u);
    return (u32x8){ vaddq_u32(p.a, vandq_u32(m.a, step)), vaddq_u32(p.b, vandq_u32(m.b, step)) };
}
/* min(2p + odd + !down, 15); masks are all-ones (-1) where true. */
static inline uint32x4_t index4(uint32x4_t p, uint32x4_t odd, uint32x4_t down)
{
    uint32x4_t l = vshrq_n_u32(vandq_u32(p, vdupq_n_u32(0xff)), 1);   /* 4p >> 1 = 2p */
    l = vsubq_u32(l, odd);
    l = vaddq_u32(l, vaddq_u32(vdupq_n_u32(1), down));
    return vminq_u32(l, vdupq_n_u32(15));
}
static inline void vp_store_index(int32_t *out, u32x8 p, u32x8 odd, u32x8 down)
{
    vst1q_s32(out, vreinterpretq_s32_u32(index4(p.a, odd.a, down.a)));
    vst1q_s32(out + 4, vreinterpretq_s32_u32(index4(p.b, odd.b, down.b)));
}

#include "simd/iq4_lanes.h"
#include "simd/arm/nl_neon.h"

void slim_dequantize_row_iq4_nl_neon(const void *restrict vx,
                                     float *restrict y, int64_t n)
{
    const uint8_t *x = vx;
    for (int64_t i = 0; i < n / SLIM_IQ4_BLOCK; i++, x += sizeof(block_iq4_nl), y += SLIM_IQ4_BLOCK)
        nl_dequant32_neon(slim_iq4_values, x + offsetof(block_iq4_nl, qs),
                          slim_nl_get_half(x + offsetof(block_iq4_nl, d)), y);
}

void slim_dequantize_row_iq4_xs_neon(const void *restrict vx,
                                     float *restrict y, int64_t n)
{
    const uint8_t *x = vx;
    for (int64_t i = 0; i < n / QK_K; i++, x += sizeof(block_iq4_xs)) {
        const float d = slim_nl_get_half(x + offsetof(block_iq4_xs, d));
        for (int ib = 0; ib < QK_K / SLIM_IQ4_BLOCK; ib++, y += SLIM_IQ4_BLOCK)
            nl_dequant32_neon(slim_iq4_values,
                              x + offsetof(block_iq4_xs, qs) + ib * SLIM_IQ4_BLOCK / 2,
                              d * (slim_iq4_xs_scale(x, ib) - 32), y);
    }
}
