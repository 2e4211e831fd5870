//! Our pool's stealing policy as an experiment sets it: the `victim_order` and `steal` keys.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A key that takes one of a few names; the first is the default.
pub trait Choice: Copy + PartialEq + 'static {
    /// Every value, the default first.
    const ALL: &'static [Self];
    /// The value's name in a config file.
    fn name(self) -> &'static str;

    /// The value named `s`, or a message listing the names.
    fn parse_name(s: &str) -> Result<Self, String> {
        Self::ALL
            .iter()
            .copied()
            .find(|v| v.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|v| v.name()).collect();
                format!(
                    "`{s}` is not allowed; expected one of: {}",
                    names.join(", ")
                )
            })
    }
}

/// Where our pool's thieves look first (the `victim_order` key).
///
/// ```
/// use wsbench::run::policy::Victims;
/// assert_eq!("round-robin".parse::<Victims>().unwrap(), Victims::RoundRobin);
/// assert_eq!(Victims::default().to_string(), "random");
/// assert!("nearest".parse::<Victims>().unwrap_err().contains("topology"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Victims {
    /// A random other worker first, then cycle.
    #[default]
    Random,
    /// The next worker first, one further each round.
    RoundRobin,
    /// Nearest first, from the workers' CPUs: SMT sibling, shared cache, package, anywhere.
    Topology,
}

/// How much one steal from a deque takes (the `steal` key).
///
/// ```
/// use wsbench::run::policy::Steal;
/// assert_eq!("half".parse::<Steal>().unwrap(), Steal::Half);
/// assert_eq!(Steal::default().to_string(), "one");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Steal {
    /// One job.
    #[default]
    One,
    /// About half of the victim's jobs.
    Half,
}

impl Choice for Victims {
    const ALL: &'static [Self] = &[Victims::Random, Victims::RoundRobin, Victims::Topology];
    fn name(self) -> &'static str {
        match self {
            Victims::Random => "random",
            Victims::RoundRobin => "round-robin",
            Victims::Topology => "topology",
        }
    }
}

impl Choice for Steal {
    const ALL: &'static [Self] = &[Steal::One, Steal::Half];
    fn name(self) -> &'static str {
        match self {
            Steal::One => "one",
            Steal::Half => "half",
        }
    }
}

/// `FromStr`, `Display` and the `String` conversions serde uses, from [`Choice`].
macro_rules! choice_strings {
    ($t:ty) => {
        impl FromStr for $t {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                <$t as Choice>::parse_name(s)
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }
        impl TryFrom<String> for $t {
            type Error = String;
            fn try_from(s: String) -> Result<Self, String> {
                s.parse()
            }
        }
        impl From<$t> for String {
            fn from(v: $t) -> String {
                v.to_string()
            }
        }
    };
}

choice_strings!(Victims);
choice_strings!(Steal);

/// The experiment's stealing policy for our pool (`victim_order`, `steal` in the config).
/// The default is the pool's: random victims, one job per steal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StealPolicy {
    /// Where thieves look first.
    pub victim_order: Victims,
    /// How much one steal takes.
    pub steal: Steal,
}
