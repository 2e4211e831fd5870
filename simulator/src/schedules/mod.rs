//! One model per way of handing out work (see each module).

pub mod adaptive;
pub mod deques;
pub mod fixed;
pub mod forkjoin;
pub mod shared;
