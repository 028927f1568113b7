//! The md5sums of many small files at once: eight messages side by side in the eight 32-bit
//! lanes of AVX2 registers.
//!
//! One MD5 is a chain of 64 dependent steps per block, so a core runs it at a fraction of
//! its width; eight independent messages fill that width. Each lane takes the next message
//! as soon as its own ends (whole messages of any length, padding included); once fewer than
//! [`LANES_FROM`] messages are left, they finish one by one, where a lone lane would cost
//! more than the plain computation.

use super::{compress as compress_one, digest_of, padded_end, IV, K, LANES_FROM, S};
use std::arch::x86_64::{
    __m256i, _mm256_add_epi32, _mm256_and_si256, _mm256_loadu_si256, _mm256_or_si256,
    _mm256_set1_epi32, _mm256_setzero_si256, _mm256_sllv_epi32, _mm256_srlv_epi32,
    _mm256_storeu_si256, _mm256_xor_si256,
};

const LANES: usize = 8;

/// One message in a lane: its whole blocks, then its padded end.
struct Lane<'a> {
    index: usize,
    whole: &'a [u8],
    /// The last bytes, 0x80, zeros and the bit length: one or two blocks.
    end: [u8; 128],
    end_blocks: usize,
    /// The next block to hash, counted over whole blocks then end blocks.
    next: usize,
}

impl<'a> Lane<'a> {
    fn new(index: usize, message: &'a [u8]) -> Lane<'a> {
        let whole_len = message.len() / 64 * 64;
        let (end, end_blocks) = padded_end(&message[whole_len..], message.len() as u64);
        Lane {
            index,
            whole: &message[..whole_len],
            end,
            end_blocks,
            next: 0,
        }
    }

    fn block(&self) -> &[u8] {
        let whole = self.whole.len() / 64;
        if self.next < whole {
            &self.whole[self.next * 64..][..64]
        } else {
            &self.end[(self.next - whole) * 64..][..64]
        }
    }

    fn done(&self) -> bool {
        self.next == self.whole.len() / 64 + self.end_blocks
    }
}

/// The digest of each message, in order. The caller has checked that the processor has AVX2.
pub(super) fn digest_all(messages: &[&[u8]]) -> Vec<[u8; 16]> {
    // SAFETY: `Md5::digest_all` calls this only after `is_x86_feature_detected!("avx2")`.
    unsafe { digest_all_avx2(messages) }
}

#[target_feature(enable = "avx2")]
fn digest_all_avx2(messages: &[&[u8]]) -> Vec<[u8; 16]> {
    let mut out = vec![[0u8; 16]; messages.len()];
    let mut waiting = messages.iter().enumerate();
    let mut lanes: [Option<Lane<'_>>; LANES] = Default::default();
    for lane in &mut lanes {
        *lane = waiting.next().map(|(i, m)| Lane::new(i, m));
    }
    let mut state = [[0u32; LANES]; 4];
    for (word, iv) in state.iter_mut().zip(IV) {
        *word = [iv; LANES];
    }
    let mut words = [[0u32; LANES]; 16];
    loop {
        let active = lanes.iter().filter(|l| l.is_some()).count();
        if waiting.len() == 0 && active < LANES_FROM {
            // A lane costs about what one message does alone: the last long ones finish
            // one by one.
            for (l, slot) in lanes.iter_mut().enumerate() {
                if let Some(lane) = slot {
                    let mut one = lane_state(&state, l);
                    while !lane.done() {
                        compress_one(&mut one, lane.block());
                        lane.next += 1;
                    }
                    out[lane.index] = digest_of(one);
                }
            }
            break;
        }
        for (l, lane) in lanes.iter().enumerate() {
            if let Some(lane) = lane {
                for (w, bytes) in lane.block().chunks_exact(4).enumerate() {
                    words[w][l] = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
                }
            }
        }
        compress(&mut state, &words);
        for (l, slot) in lanes.iter_mut().enumerate() {
            let Some(lane) = slot else { continue };
            lane.next += 1;
            if !lane.done() {
                continue;
            }
            out[lane.index] = digest_of(lane_state(&state, l));
            for (word, iv) in state.iter_mut().zip(IV) {
                word[l] = iv;
            }
            *slot = waiting.next().map(|(i, m)| Lane::new(i, m));
        }
    }
    out
}

/// The four state words of lane `l`.
fn lane_state(state: &[[u32; LANES]; 4], l: usize) -> [u32; 4] {
    [state[0][l], state[1][l], state[2][l], state[3][l]]
}

/// One block in each lane: `words[w][lane]` is message word `w` of that lane's block.
#[target_feature(enable = "avx2")]
fn compress(state: &mut [[u32; LANES]; 4], words: &[[u32; LANES]; 16]) {
    let mut m = [_mm256_setzero_si256(); 16];
    for (v, w) in m.iter_mut().zip(words) {
        // SAFETY: an unaligned load of the 32 bytes of a [u32; 8].
        *v = unsafe { _mm256_loadu_si256(w.as_ptr().cast::<__m256i>()) };
    }
    let mut start = [_mm256_setzero_si256(); 4];
    for (v, w) in start.iter_mut().zip(state.iter()) {
        // SAFETY: as above.
        *v = unsafe { _mm256_loadu_si256(w.as_ptr().cast::<__m256i>()) };
    }
    let [mut a, mut b, mut c, mut d] = start;
    let ones = _mm256_set1_epi32(-1);
    for i in 0..64 {
        let (f, g) = match i / 16 {
            0 => (
                _mm256_xor_si256(d, _mm256_and_si256(b, _mm256_xor_si256(c, d))),
                i,
            ),
            1 => (
                _mm256_xor_si256(c, _mm256_and_si256(d, _mm256_xor_si256(b, c))),
                (5 * i + 1) % 16,
            ),
            2 => (
                _mm256_xor_si256(b, _mm256_xor_si256(c, d)),
                (3 * i + 5) % 16,
            ),
            _ => (
                _mm256_xor_si256(c, _mm256_or_si256(b, _mm256_xor_si256(d, ones))),
                (7 * i) % 16,
            ),
        };
        let sum = _mm256_add_epi32(
            _mm256_add_epi32(a, f),
            _mm256_add_epi32(_mm256_set1_epi32(K[i] as i32), m[g]),
        );
        let s = S[i] as i32;
        let rotated = _mm256_or_si256(
            _mm256_sllv_epi32(sum, _mm256_set1_epi32(s)),
            _mm256_srlv_epi32(sum, _mm256_set1_epi32(32 - s)),
        );
        let next_b = _mm256_add_epi32(b, rotated);
        (a, d, c, b) = (d, c, b, next_b);
    }
    for ((w, first), last) in state.iter_mut().zip(start).zip([a, b, c, d]) {
        // SAFETY: an unaligned store of 32 bytes into a [u32; 8].
        unsafe {
            _mm256_storeu_si256(
                w.as_mut_ptr().cast::<__m256i>(),
                _mm256_add_epi32(first, last),
            )
        };
    }
}
