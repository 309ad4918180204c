//! How many requests a gateway should let one client through in a burst,
//! per vendor, from the rate-limit answers. The rate-limit check needs an
//! upper bound: a burst that passes more requests than the bound without
//! a single 429 shows the limit is missing or higher than configured.

use std::time::Duration;

use crate::answers::{Answers, AuthMode, Vendor};

/// How a node refills its allowance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refill {
    /// Continuously, `per_second` requests per second (a leaky or token
    /// bucket with fine-grained time, as NGINX `limit_req`).
    Continuous,
    /// All at once at each second boundary (Kong's fixed windows, Envoy's
    /// fill interval).
    EverySecond,
}

/// A vendor's rate limiter, as the blueprints configure it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateModel {
    /// Requests one node lets through at once.
    pub bucket: u64,
    /// Requests one node adds back per second.
    pub per_second: u64,
    /// How the allowance comes back.
    pub refill: Refill,
    /// Nodes that count separately, since a load balancer may spread the
    /// burst over all of them.
    pub nodes: u64,
    /// Whether requests without credentials count, because the limiter runs
    /// before authentication.
    pub counts_unauthenticated: bool,
}

impl RateModel {
    /// Returns the model for the answers, or why a short burst cannot
    /// verify this vendor's limit.
    pub fn for_answers(answers: &Answers) -> Result<RateModel, String> {
        let rate = &answers.rate_limit;
        let per_second = u64::from(rate.per_second);
        let burst = u64::from(rate.burst);
        let nodes = u64::from(answers.kubernetes.replicas.max(1));
        match answers.vendor {
            // `limit_req ... burst=B nodelay` passes B + 1 requests at once,
            // then one per 1/rate seconds. It runs in the preaccess phase,
            // before `auth_request` in the access phase.
            Vendor::Nginx => Ok(RateModel {
                bucket: burst + 1,
                per_second,
                refill: Refill::Continuous,
                nodes,
                counts_unauthenticated: true,
            }),
            // Kong's `local` policy counts per node in fixed one-second
            // windows and has no burst; its rate-limiting plugin runs after
            // the authentication plugins, so rejected requests never count.
            Vendor::Kong => Ok(RateModel {
                bucket: per_second,
                per_second,
                refill: Refill::EverySecond,
                nodes,
                counts_unauthenticated: false,
            }),
            // NOTE: a token bucket of `per_second + burst` tokens refilled
            // by `per_second` every second. The Envoy blueprint's buckets
            // also weigh the global rate per node, and no live Envoy test
            // has checked this model against them.
            Vendor::Envoy => Ok(RateModel {
                bucket: per_second + burst,
                per_second,
                refill: Refill::EverySecond,
                nodes,
                counts_unauthenticated: false,
            }),
            // Usage plans throttle each API key with a token bucket.
            Vendor::Aws if answers.auth.mode == AuthMode::ApiKey => Ok(RateModel {
                bucket: per_second + burst,
                per_second,
                refill: Refill::Continuous,
                nodes: 1,
                counts_unauthenticated: false,
            }),
            Vendor::Aws => Err(
                "without API keys the AWS blueprint limits clients with a WAF rate-based rule, \
                 which counts over a 60-second window and acts with a delay, so a short burst \
                 cannot show it"
                    .to_string(),
            ),
            Vendor::Apigee => Err(
                "Apigee SpikeArrest counts per message processor, whose number the answers do \
                 not give, so no burst size has a known upper bound"
                    .to_string(),
            ),
        }
    }

    /// Returns the most requests the gateway may let through in a burst
    /// that lasted `elapsed`, over all nodes.
    pub fn allowance(&self, elapsed: Duration) -> u64 {
        let refilled = match self.refill {
            Refill::Continuous => (self.per_second as f64 * elapsed.as_secs_f64()).ceil() as u64,
            // A burst that starts just before a boundary sees one more fill.
            Refill::EverySecond => self.per_second * (elapsed.as_secs() + 1),
        };
        self.nodes * (self.bucket + refilled)
    }

    /// Returns the requests of the first burst: more than the allowance of
    /// a burst that takes half a second, so a working limit must reject
    /// some of them.
    pub fn burst_size(&self) -> u64 {
        let allowance = self.allowance(Duration::from_millis(500));
        allowance + (allowance / 4).max(10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers(vendor: Vendor) -> Answers {
        let mut answers = Answers {
            vendor,
            ..Answers::default()
        };
        answers.rate_limit.per_second = 10;
        answers.rate_limit.burst = 20;
        answers.kubernetes.replicas = 2;
        answers
    }

    #[test]
    fn nginx_allows_burst_plus_one_per_node() {
        let model = RateModel::for_answers(&answers(Vendor::Nginx)).unwrap();
        assert_eq!(model.allowance(Duration::ZERO), 2 * 21);
        assert_eq!(model.allowance(Duration::from_millis(500)), 2 * (21 + 5));
        assert!(model.counts_unauthenticated);
    }

    #[test]
    fn kong_has_no_burst_and_fixed_windows() {
        let model = RateModel::for_answers(&answers(Vendor::Kong)).unwrap();
        assert_eq!(model.allowance(Duration::ZERO), 2 * (10 + 10));
        assert_eq!(model.allowance(Duration::from_millis(1500)), 2 * (10 + 20));
        assert!(!model.counts_unauthenticated);
    }

    #[test]
    fn burst_exceeds_half_second_allowance() {
        for vendor in [Vendor::Nginx, Vendor::Kong, Vendor::Envoy] {
            let model = RateModel::for_answers(&answers(vendor)).unwrap();
            assert!(
                model.burst_size() > model.allowance(Duration::from_millis(500)),
                "{vendor:?}"
            );
        }
    }

    #[test]
    fn managed_gateways_without_a_bound_are_not_modelled() {
        assert!(RateModel::for_answers(&answers(Vendor::Apigee)).is_err());
        assert!(RateModel::for_answers(&answers(Vendor::Aws)).is_err());
        let mut keyed = answers(Vendor::Aws);
        keyed.auth.mode = AuthMode::ApiKey;
        assert!(RateModel::for_answers(&keyed).is_ok());
    }
}
