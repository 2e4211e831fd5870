//! An idle (parked) pool uses no CPU. This measures process CPU time over 0.5 s
//! of idleness — a resource bound, not a timing of work — so it can be asserted
//! (with a wide margin: 1 % of a core = 5 ms). Alone in its binary, so no other
//! test burns CPU in this process meanwhile.

use scheduler::{Pool, Schedule};
use std::time::Duration;

fn process_cpu_time() -> Duration {
    // SAFETY: getrusage only writes into the struct we pass; zeroed is valid for it.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        assert_eq!(libc::getrusage(libc::RUSAGE_SELF, &mut usage), 0);
        usage
    };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

#[test]
fn idle_pool_uses_no_cpu() {
    let pool = Pool::builder().workers(4).build().unwrap();
    // Some work first, so the workers have been through busy → idle.
    pool.for_each_index(0..10_000, Schedule::Adaptive, |_, i| {
        std::hint::black_box(i * i);
    });
    // Let them spin down and park.
    std::thread::sleep(Duration::from_millis(100));
    let parks_before = pool.stats().total().parks;
    let cpu_before = process_cpu_time();
    std::thread::sleep(Duration::from_millis(500));
    let used = process_cpu_time() - cpu_before;
    assert!(
        used < Duration::from_millis(5),
        "idle pool used {used:?} of CPU in 0.5 s"
    );
    assert!(
        parks_before >= 4,
        "workers did not park: {parks_before} parks"
    );
    // And it still wakes up.
    let (a, b) = pool.join(|| 1, || 2);
    assert_eq!(a + b, 3);
}
