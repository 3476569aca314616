package tracker

import "github.com/prometheus/client_golang/prometheus"

// Outcomes of a redirect, the label of partnerka_clicks_total.
const (
	OutcomeRecorded    = "recorded"     // attributable, in the stream, cookie set
	OutcomeNotRecorded = "not_recorded" // Redis failed or timed out; redirected anyway
	OutcomeBot         = "bot"
	OutcomePrefetch    = "prefetch"
	OutcomeHead        = "head"
	OutcomeUnknownCode = "unknown_code"
	OutcomeDisabled    = "disabled"
	OutcomeNotAllowed  = "destination_not_allowed"
)

// Why a click was not recorded, the label of partnerka_clicks_unrecorded_total.
const (
	UnrecordedWriteFailed = "write_failed" // the stream write carrying it failed
	UnrecordedTimeout     = "timeout"      // Redis did not acknowledge it within the redirect timeout
	UnrecordedRedisDown   = "redis_down"   // Redis was known to be down: not tried until a probe answers
	UnrecordedOverload    = "overload"     // the writer was a full batch behind: shed
)

// Metrics are the tracker's Prometheus metrics.
type Metrics struct {
	Clicks       *prometheus.CounterVec
	Latency      prometheus.Histogram
	BatchSize    prometheus.Histogram
	StreamErrors prometheus.Counter
	// Unreplicated counts batches Redis acknowledged but fewer replicas
	// than WaitReplicas held before the batch's deadline (with the WAIT
	// option on): a failover then may lose them.
	Unreplicated prometheus.Counter
	// Unrecorded counts clicks, not writes: a failed write loses every
	// click of its batch, and while Redis is down clicks are not written
	// at all. It is what to alert on.
	Unrecorded *prometheus.CounterVec
	outcomes   map[string]prometheus.Counter
	unrecorded map[string]prometheus.Counter
}

// NewMetrics registers the tracker metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Clicks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "partnerka_clicks_total", Help: "Redirects answered, by outcome.",
		}, []string{"outcome"}),
		Latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "partnerka_redirect_seconds", Help: "Time to answer a redirect, including the click write.",
			Buckets: []float64{.0005, .001, .002, .005, .01, .025, .05, .1, .25, .5, 1},
		}),
		BatchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "partnerka_click_batch_size", Help: "Clicks per group-committed stream write.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 13),
		}),
		StreamErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "partnerka_click_stream_errors_total", Help: "Failed or timed-out click stream writes (each a batch of clicks).",
		}),
		Unreplicated: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "partnerka_click_batches_unreplicated_total",
			Help: "Click stream writes acknowledged by the Redis primary but not by PARTNERKA_REDIS_WAIT_REPLICAS replicas before the redirect's deadline.",
		}),
		Unrecorded: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "partnerka_clicks_unrecorded_total", Help: "Clicks redirected without being recorded, by reason.",
		}, []string{"reason"}),
		outcomes:   map[string]prometheus.Counter{},
		unrecorded: map[string]prometheus.Counter{},
	}
	for _, o := range []string{OutcomeRecorded, OutcomeNotRecorded, OutcomeBot, OutcomePrefetch, OutcomeHead,
		OutcomeUnknownCode, OutcomeDisabled, OutcomeNotAllowed} {
		m.outcomes[o] = m.Clicks.WithLabelValues(o)
	}
	for _, r := range []string{UnrecordedWriteFailed, UnrecordedTimeout, UnrecordedRedisDown, UnrecordedOverload} {
		m.unrecorded[r] = m.Unrecorded.WithLabelValues(r)
	}
	reg.MustRegister(m.Clicks, m.Latency, m.BatchSize, m.StreamErrors, m.Unreplicated, m.Unrecorded)
	return m
}

// count increments the counter of an outcome without a label lookup.
func (m *Metrics) count(outcome string) { m.outcomes[outcome].Inc() }

// lost counts a click not recorded, for reason.
func (m *Metrics) lost(reason string) { m.unrecorded[reason].Inc() }
