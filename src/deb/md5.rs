//! MD5 (RFC 1321), for md5sums: written for speed, since hashing every archived byte is most
//! of the work of an uncompressed package.
//!
//! MD5 is one long chain of dependent steps, so its speed is the length of that chain. Each
//! step's boolean function is written so that only its last operation waits for the newest
//! state word (`F = d ^ (b & (c ^ d))`, `G` as the sum of two disjoint halves, `I` with `!d`
//! ready early), and the message word and constant are added before it arrives. That is
//! about a tenth faster than the textbook form.

#[cfg(target_arch = "x86_64")]
mod lanes;

/// The state a computation starts from.
const IV: [u32; 4] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476];

/// Fewer messages than this are hashed one by one: the lanes would mostly idle.
#[cfg(target_arch = "x86_64")]
const LANES_FROM: usize = 3;

/// Per-step rotations.
const S: [u32; 64] = [
    7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9,
    14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15,
    21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
];

/// Per-step constants: the integer part of 2^32 * |sin(i + 1)|.
const K: [u32; 64] = [
    0xd76a_a478,
    0xe8c7_b756,
    0x2420_70db,
    0xc1bd_ceee,
    0xf57c_0faf,
    0x4787_c62a,
    0xa830_4613,
    0xfd46_9501,
    0x6980_98d8,
    0x8b44_f7af,
    0xffff_5bb1,
    0x895c_d7be,
    0x6b90_1122,
    0xfd98_7193,
    0xa679_438e,
    0x49b4_0821,
    0xf61e_2562,
    0xc040_b340,
    0x265e_5a51,
    0xe9b6_c7aa,
    0xd62f_105d,
    0x0244_1453,
    0xd8a1_e681,
    0xe7d3_fbc8,
    0x21e1_cde6,
    0xc337_07d6,
    0xf4d5_0d87,
    0x455a_14ed,
    0xa9e3_e905,
    0xfcef_a3f8,
    0x676f_02d9,
    0x8d2a_4c8a,
    0xfffa_3942,
    0x8771_f681,
    0x6d9d_6122,
    0xfde5_380c,
    0xa4be_ea44,
    0x4bde_cfa9,
    0xf6bb_4b60,
    0xbebf_bc70,
    0x289b_7ec6,
    0xeaa1_27fa,
    0xd4ef_3085,
    0x0488_1d05,
    0xd9d4_d039,
    0xe6db_99e5,
    0x1fa2_7cf8,
    0xc4ac_5665,
    0xf429_2244,
    0x432a_ff97,
    0xab94_23a7,
    0xfc93_a039,
    0x655b_59c3,
    0x8f0c_cc92,
    0xffef_f47d,
    0x8584_5dd1,
    0x6fa8_7e4f,
    0xfe2c_e6e0,
    0xa301_4314,
    0x4e08_11a1,
    0xf753_7e82,
    0xbd3a_f235,
    0x2ad7_d2bb,
    0xeb86_d391,
];

/// Hashes one 64-byte block into `state`.
#[inline(always)]
fn compress(state: &mut [u32; 4], block: &[u8]) {
    let mut m = [0u32; 16];
    for (word, bytes) in m.iter_mut().zip(block.chunks_exact(4)) {
        *word = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    }
    let [mut a, mut b, mut c, mut d] = *state;
    // One step: `a = b + rotl(a + f + K[i] + M[g], S[i])`, with `f` added last.
    macro_rules! step {
        ($a:ident, $b:ident, $i:expr, $g:expr, $f:expr) => {
            $a = $a.wrapping_add(K[$i]).wrapping_add(m[$g]);
            $a = $a.wrapping_add($f).rotate_left(S[$i]).wrapping_add($b);
        };
    }
    macro_rules! f {
        ($a:ident, $b:ident, $c:ident, $d:ident, $i:expr) => {
            step!($a, $b, $i, $i, $d ^ ($b & ($c ^ $d)));
        };
    }
    macro_rules! g {
        ($a:ident, $b:ident, $c:ident, $d:ident, $i:expr) => {
            // (b & d) | (c & !d): the halves share no bit, so they add; c & !d goes first.
            $a = $a
                .wrapping_add(K[$i])
                .wrapping_add(m[(5 * $i + 1) % 16])
                .wrapping_add($c & !$d);
            $a = $a.wrapping_add($b & $d).rotate_left(S[$i]).wrapping_add($b);
        };
    }
    macro_rules! h {
        ($a:ident, $b:ident, $c:ident, $d:ident, $i:expr) => {
            step!($a, $b, $i, (3 * $i + 5) % 16, $b ^ ($c ^ $d));
        };
    }
    macro_rules! i {
        ($a:ident, $b:ident, $c:ident, $d:ident, $i:expr) => {
            step!($a, $b, $i, (7 * $i) % 16, $c ^ ($b | !$d));
        };
    }
    macro_rules! round {
        ($op:ident, $base:expr) => {
            $op!(a, b, c, d, $base);
            $op!(d, a, b, c, $base + 1);
            $op!(c, d, a, b, $base + 2);
            $op!(b, c, d, a, $base + 3);
            $op!(a, b, c, d, $base + 4);
            $op!(d, a, b, c, $base + 5);
            $op!(c, d, a, b, $base + 6);
            $op!(b, c, d, a, $base + 7);
            $op!(a, b, c, d, $base + 8);
            $op!(d, a, b, c, $base + 9);
            $op!(c, d, a, b, $base + 10);
            $op!(b, c, d, a, $base + 11);
            $op!(a, b, c, d, $base + 12);
            $op!(d, a, b, c, $base + 13);
            $op!(c, d, a, b, $base + 14);
            $op!(b, c, d, a, $base + 15);
        };
    }
    round!(f, 0);
    round!(g, 16);
    round!(h, 32);
    round!(i, 48);
    state[0] = state[0].wrapping_add(a);
    state[1] = state[1].wrapping_add(b);
    state[2] = state[2].wrapping_add(c);
    state[3] = state[3].wrapping_add(d);
}

/// The last blocks of a message of `len` bytes whose last `rest` bytes (fewer than 64) are
/// not hashed yet: those bytes, 0x80, zeros and the length in bits; one block or two.
fn padded_end(rest: &[u8], len: u64) -> ([u8; 128], usize) {
    let blocks = if rest.len() < 56 { 1 } else { 2 };
    let mut end = [0u8; 128];
    end[..rest.len()].copy_from_slice(rest);
    end[rest.len()] = 0x80;
    end[blocks * 64 - 8..blocks * 64].copy_from_slice(&len.wrapping_mul(8).to_le_bytes());
    (end, blocks)
}

/// The digest a final state stands for.
fn digest_of(state: [u32; 4]) -> [u8; 16] {
    let mut out = [0u8; 16];
    for (bytes, word) in out.chunks_exact_mut(4).zip(state) {
        bytes.copy_from_slice(&word.to_le_bytes());
    }
    out
}

/// An MD5 computation in progress.
#[derive(Clone)]
pub(crate) struct Md5 {
    state: [u32; 4],
    /// Bytes hashed so far.
    len: u64,
    /// The start of an incomplete block.
    tail: [u8; 64],
}

impl Default for Md5 {
    fn default() -> Self {
        Md5::new()
    }
}

impl Md5 {
    /// A fresh computation.
    pub(crate) fn new() -> Md5 {
        Md5 {
            state: IV,
            len: 0,
            tail: [0; 64],
        }
    }

    /// Hashes more bytes.
    pub(crate) fn update(&mut self, mut data: &[u8]) {
        let used = (self.len % 64) as usize;
        self.len += data.len() as u64;
        if used > 0 {
            let take = data.len().min(64 - used);
            self.tail[used..used + take].copy_from_slice(&data[..take]);
            data = &data[take..];
            if used + take < 64 {
                return;
            }
            let tail = self.tail;
            compress(&mut self.state, &tail);
        }
        let mut blocks = data.chunks_exact(64);
        for block in &mut blocks {
            compress(&mut self.state, block);
        }
        let rest = blocks.remainder();
        self.tail[..rest.len()].copy_from_slice(rest);
    }

    /// The digest of everything hashed.
    pub(crate) fn finalize(mut self) -> [u8; 16] {
        let used = (self.len % 64) as usize;
        let (end, blocks) = padded_end(&self.tail[..used], self.len);
        for block in end[..blocks * 64].chunks_exact(64) {
            compress(&mut self.state, block);
        }
        digest_of(self.state)
    }

    /// The digest of `data`.
    pub(crate) fn digest(data: &[u8]) -> [u8; 16] {
        let mut md5 = Md5::new();
        md5.update(data);
        md5.finalize()
    }

    /// The digest of each of `messages`, in order: eight at a time where the processor has
    /// AVX2 (many small files), one by one elsewhere.
    pub(crate) fn digest_all(messages: &[&[u8]]) -> Vec<[u8; 16]> {
        #[cfg(target_arch = "x86_64")]
        if messages.len() >= LANES_FROM && std::is_x86_feature_detected!("avx2") {
            return lanes::digest_all(messages);
        }
        messages.iter().map(|m| Md5::digest(m)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(d: [u8; 16]) -> String {
        d.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn rfc_1321_test_suite() {
        let cases = [
            ("", "d41d8cd98f00b204e9800998ecf8427e"),
            ("a", "0cc175b9c0f1b6a831c399e269772661"),
            ("abc", "900150983cd24fb0d6963f7d28e17f72"),
            ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
            (
                "abcdefghijklmnopqrstuvwxyz",
                "c3fcd3d76192e4007dfb496cca67e13b",
            ),
            (
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
                "d174ab98d277d9f5a5611c2c9f419d9f",
            ),
            (
                "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
                "57edf4a22be3c955ac49da2e2107b67a",
            ),
        ];
        for (text, want) in cases {
            assert_eq!(hex(Md5::digest(text.as_bytes())), want, "{text:?}");
        }
    }

    #[test]
    fn many_messages_at_once_give_each_its_own_digest() {
        // Lengths around every block and padding boundary, in an order that makes lanes
        // finish at different blocks and take new messages mid-way.
        let mut seed = 0x2545_f491_u32;
        let mut byte = || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed as u8
        };
        let lengths: Vec<usize> = (0..200)
            .map(|i| match i % 7 {
                0 => i,
                1 => 55 + i % 3,
                2 => 63 + i % 3,
                3 => 119 + i % 3,
                4 => 4096 + i,
                5 => 0,
                _ => 20_000 + 37 * i,
            })
            .collect();
        let data: Vec<Vec<u8>> = lengths
            .iter()
            .map(|&n| (0..n).map(|_| byte()).collect())
            .collect();
        for count in [0, 1, 2, 3, 8, 9, 17, 200] {
            let messages: Vec<&[u8]> = data[..count].iter().map(Vec::as_slice).collect();
            let one_by_one: Vec<[u8; 16]> = messages.iter().map(|m| Md5::digest(m)).collect();
            assert_eq!(Md5::digest_all(&messages), one_by_one, "{count} messages");
            #[cfg(target_arch = "x86_64")]
            if std::is_x86_feature_detected!("avx2") {
                assert_eq!(lanes::digest_all(&messages), one_by_one, "{count} in lanes");
            }
        }
        assert_eq!(
            hex(Md5::digest_all(&[b"abc", b"", b"message digest"])[2]),
            "f96b697d7cb7938d525a2f31aaf161d0"
        );
    }

    #[test]
    fn pieces_of_any_size_give_the_same_digest() {
        let data: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let whole = Md5::digest(&data);
        for piece in [1, 3, 55, 56, 63, 64, 65, 127, 1000] {
            let mut md5 = Md5::new();
            for chunk in data.chunks(piece) {
                md5.update(chunk);
            }
            assert_eq!(md5.finalize(), whole, "pieces of {piece}");
        }
        assert_eq!(hex(whole), hex(Md5::digest(&data)));
    }
}
