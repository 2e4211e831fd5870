//! Order-independent checksums, so a parallel run can be checked against serial.
//!
//! A run's checksum is the wrapping sum of [`task_digest`]`(index, result)` over
//! all its tasks. Addition is commutative and associative, so each worker can sum
//! its own tasks and the partial sums can be added at the end, in any order.
//! Mixing the index in means a task run twice, or a task's result landing on
//! another task, changes the sum (with overwhelming probability).

/// A strong 64-bit mixer (the SplitMix64 / MurmurHash3 finalizer): every input
/// bit affects every output bit.
///
/// ```
/// use workloads::checksum::mix64;
/// assert_ne!(mix64(1), mix64(2));
/// assert_eq!(mix64(0), 0);
/// ```
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The digest of task `index` having produced `result`.
///
/// ```
/// use workloads::checksum::task_digest;
/// // The checksum of a run: a wrapping sum, so any order gives the same total.
/// let results = [7u64, 11, 13];
/// let forward = results.iter().enumerate()
///     .fold(0u64, |s, (i, &r)| s.wrapping_add(task_digest(i, r)));
/// let backward = results.iter().enumerate().rev()
///     .fold(0u64, |s, (i, &r)| s.wrapping_add(task_digest(i, r)));
/// assert_eq!(forward, backward);
/// assert_ne!(task_digest(0, 7), task_digest(1, 7));
/// ```
pub fn task_digest(index: usize, result: u64) -> u64 {
    mix64(mix64((index as u64).wrapping_add(0x9E37_79B9_7F4A_7C15)) ^ result)
}

/// A digest of a list of values in order (e.g. a number's prime factors), so a
/// task can return one `u64` for a structured result.
///
/// ```
/// use workloads::checksum::digest_values;
/// assert_ne!(digest_values(&[2, 3]), digest_values(&[3, 2]));
/// assert_ne!(digest_values(&[]), digest_values(&[0]));
/// ```
pub fn digest_values(values: &[u64]) -> u64 {
    values.iter().fold(
        mix64(values.len() as u64 ^ 0xA076_1D64_78BD_642F),
        |h, &v| mix64(h.rotate_left(23) ^ v),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sum_detects_a_duplicated_or_lost_task() {
        let results: Vec<u64> = (0..100).map(|i| i * 3).collect();
        let all = results
            .iter()
            .enumerate()
            .fold(0u64, |s, (i, &r)| s.wrapping_add(task_digest(i, r)));
        let with_dup = all.wrapping_add(task_digest(5, results[5]));
        let with_lost = all.wrapping_sub(task_digest(5, results[5]));
        assert_ne!(all, with_dup);
        assert_ne!(all, with_lost);
        // Swapping two tasks' results changes the sum too.
        let swapped = all
            .wrapping_sub(task_digest(1, results[1]))
            .wrapping_sub(task_digest(2, results[2]))
            .wrapping_add(task_digest(1, results[2]))
            .wrapping_add(task_digest(2, results[1]));
        assert_ne!(all, swapped);
    }
}
