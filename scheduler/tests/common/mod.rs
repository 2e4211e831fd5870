//! Helpers shared by the scheduler's integration tests.
#![allow(dead_code)]

use std::sync::mpsc;
use std::time::Duration;

/// Runs `f` on its own thread and fails the test if it has not returned within
/// `limit`, so that a regression that hangs the pool fails CI instead of
/// stalling it. A panic in `f` is re-raised here. A hung `f` is left behind:
/// its threads die with the test process.
pub fn within<R: Send + 'static>(
    limit: Duration,
    what: &str,
    f: impl FnOnce() -> R + Send + 'static,
) -> R {
    let (tx, rx) = mpsc::channel();
    let handle = std::thread::Builder::new()
        .name(format!("within: {what}"))
        .spawn(move || {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
            let _ = tx.send(result);
        })
        .expect("spawn the test thread");
    match rx.recv_timeout(limit) {
        Ok(Ok(value)) => {
            let _ = handle.join();
            value
        }
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(_) => panic!("{what}: did not return within {limit:?} (hang)"),
    }
}

/// The limit for one hang-prone case: generous, since CI shares 2 cores.
pub const HANG_LIMIT: Duration = Duration::from_secs(60);

/// Silences the default panic message for panics the test provokes on
/// purpose (payloads that are `&str` starting with "boom"), keeping others.
pub fn quiet_boom_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let ours = info
            .payload()
            .downcast_ref::<&str>()
            .is_some_and(|s| s.starts_with("boom"))
            || info
                .payload()
                .downcast_ref::<String>()
                .is_some_and(|s| s.starts_with("boom"));
        if !ours {
            default(info);
        }
    }));
}
