//! The hard limits of a probe run: how many requests it may send, by when
//! it must stop, and how fast it sends requests that are not a deliberate
//! burst.

use std::time::{Duration, Instant};

/// Why a request was not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Exhausted {
    /// Sending would pass `--max-requests`.
    #[error("the request cap (--max-requests) is reached")]
    Requests,
    /// The run is past `--max-time`.
    #[error("the time cap (--max-time) is reached")]
    Time,
}

/// Counts requests against the cap and keeps the deadline.
#[derive(Debug, Clone)]
pub struct Budget {
    max_requests: u32,
    sent: u32,
    deadline: Instant,
    pace: Duration,
    last_paced: Option<Instant>,
}

impl Budget {
    /// A budget of `max_requests` requests until `max_time` from now, with
    /// paced requests at least `pace` apart.
    pub fn new(max_requests: u32, max_time: Duration, pace: Duration) -> Budget {
        Budget {
            max_requests,
            sent: 0,
            deadline: Instant::now() + max_time,
            pace,
            last_paced: None,
        }
    }

    /// Takes `count` requests from the budget, all or none.
    pub fn take(&mut self, count: u32) -> Result<(), Exhausted> {
        if Instant::now() >= self.deadline {
            return Err(Exhausted::Time);
        }
        if count > self.remaining() {
            return Err(Exhausted::Requests);
        }
        self.sent += count;
        Ok(())
    }

    /// Waits until a paced request may go, then takes it.
    pub fn take_paced(&mut self) -> Result<(), Exhausted> {
        if let Some(last) = self.last_paced {
            let next = last + self.pace;
            if next >= self.deadline {
                return Err(Exhausted::Time);
            }
            let now = Instant::now();
            if next > now {
                std::thread::sleep(next - now);
            }
        }
        self.take(1)?;
        self.last_paced = Some(Instant::now());
        Ok(())
    }

    /// Requests that may still be sent.
    pub fn remaining(&self) -> u32 {
        self.max_requests.saturating_sub(self.sent)
    }

    /// Requests sent so far.
    pub fn sent(&self) -> u32 {
        self.sent
    }

    /// Time left before the deadline.
    pub fn time_left(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cap_is_never_passed() {
        let mut budget = Budget::new(5, Duration::from_secs(60), Duration::ZERO);
        assert_eq!(budget.take(3), Ok(()));
        assert_eq!(budget.take(3), Err(Exhausted::Requests), "all or none");
        assert_eq!(budget.take(2), Ok(()));
        assert_eq!(budget.take(1), Err(Exhausted::Requests));
        assert_eq!(budget.sent(), 5);
    }

    #[test]
    fn deadline_stops_requests() {
        let mut budget = Budget::new(5, Duration::ZERO, Duration::ZERO);
        assert_eq!(budget.take(1), Err(Exhausted::Time));
        assert_eq!(budget.sent(), 0);
    }

    #[test]
    fn paced_requests_are_spaced() {
        let pace = Duration::from_millis(30);
        let mut budget = Budget::new(5, Duration::from_secs(60), pace);
        let start = Instant::now();
        for _ in 0..3 {
            budget.take_paced().unwrap();
        }
        assert!(start.elapsed() >= pace * 2, "{:?}", start.elapsed());
    }
}
