//! Random primes for RSA keys, found faster than the `rsa` crate's own
//! search: candidates are sieved by every odd prime below 2^16 (its search
//! sieves by the primes up to 53), so far fewer of them reach the costly
//! probabilistic test, which is num-bigint-dig's, as in `rsa`: Miller-Rabin
//! with 20 random bases plus base 2, and a Lucas test (Baillie-PSW).
//!
//! The search is incremental, as OpenSSL's: a random odd start with its top
//! two bits set (so two such primes multiply to exactly twice their size),
//! then every even step from it until a candidate passes.

use num_bigint_dig::prime::probably_prime;
use num_bigint_dig::BigUint;
use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroizing;

/// Sieving bound: odd primes below this divide no candidate tested.
const SIEVE_BOUND: u32 = 1 << 16;

/// The RSA public exponent acmebox uses (65537, RFC 8017 leaves it free;
/// every CA accepts it).
pub(crate) const PUBLIC_EXPONENT: u32 = 65_537;

/// Miller-Rabin rounds, as the `rsa` crate's own search uses.
const ROUNDS: usize = 20;

/// Steps tried from one random start before drawing a new one.
const MAX_STEPS: u32 = 1 << 16;

/// The odd primes below `bound`, by the sieve of Eratosthenes.
fn small_primes(bound: u32) -> Vec<u32> {
    let bound = bound as usize;
    let mut composite = vec![false; bound];
    let mut primes = Vec::new();
    for n in (3..bound).step_by(2) {
        if composite.get(n).copied().unwrap_or(true) {
            continue;
        }
        primes.push(n as u32);
        for multiple in composite.iter_mut().skip(n * n).step_by(n) {
            *multiple = true;
        }
    }
    primes
}

/// A random prime of exactly `8 * len` bits (`len` at least 8) with its
/// top two bits set, and `p - 1` prime to [`PUBLIC_EXPONENT`].
pub(crate) fn random_prime<R: RngCore + CryptoRng>(rng: &mut R, len: usize) -> BigUint {
    let primes = small_primes(SIEVE_BOUND);
    let bits = 8 * len;
    let mut bytes = Zeroizing::new(vec![0u8; len]);
    loop {
        rng.fill_bytes(&mut bytes);
        if let Some(first) = bytes.first_mut() {
            *first |= 0xc0;
        }
        if let Some(last) = bytes.last_mut() {
            *last |= 1;
        }
        let residues: Vec<u32> = primes.iter().map(|&p| residue(&bytes, p)).collect();
        let e_residue = residue(&bytes, PUBLIC_EXPONENT);
        let start = BigUint::from_bytes_be(&bytes);
        for step in (0..MAX_STEPS).step_by(2) {
            let divisible = primes
                .iter()
                .zip(&residues)
                .any(|(&p, &r)| (r + step) % p == 0);
            if divisible || (e_residue + step) % PUBLIC_EXPONENT == 1 {
                continue;
            }
            let candidate = &start + BigUint::from(step);
            if candidate.bits() != bits {
                break;
            }
            if probably_prime(&candidate, ROUNDS) {
                return candidate;
            }
        }
    }
}

/// The big-endian number `bytes` modulo a small `m`.
fn residue(bytes: &[u8], m: u32) -> u32 {
    let m = u64::from(m);
    let r = bytes
        .iter()
        .fold(0u64, |r, &b| (r * 256 + u64::from(b)) % m);
    r as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_primes_are_the_odd_primes() {
        let primes = small_primes(60);
        assert_eq!(
            primes,
            [3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59]
        );
        assert_eq!(small_primes(4096).len(), 564 - 1, "π(4096), less 2");
        assert_eq!(
            small_primes(SIEVE_BOUND).len(),
            6542 - 1,
            "π(65536), less 2"
        );
    }

    #[test]
    fn residue_is_the_remainder() {
        assert_eq!(residue(&[0x01, 0x00], 7), 256 % 7);
        assert_eq!(residue(&[0xff; 8], 65_537), (u64::MAX % 65_537) as u32);
    }

    #[test]
    fn random_primes_have_the_size_and_top_bits() {
        let mut rng = rand_core::OsRng;
        for len in [8, 64, 128] {
            let p = random_prime(&mut rng, len);
            let bits = 8 * len;
            assert_eq!(p.bits(), bits, "{len}");
            assert_eq!(&p >> (bits - 2), BigUint::from(3u32), "{len}: top two bits");
            assert!(probably_prime(&p, 40), "{len}");
            let minus_one = (&p - BigUint::from(1u32)) % BigUint::from(PUBLIC_EXPONENT);
            assert_ne!(minus_one, BigUint::from(0u32), "{len}: p - 1 prime to e");
        }
    }
}
