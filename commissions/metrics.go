package commissions

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"partnerka/storage"
)

// Metrics are the reconciler's Prometheus metrics: what each step did and
// how long it took, and when a pass last completed.
type Metrics struct {
	StepSeconds *prometheus.HistogramVec
	Items       *prometheus.CounterVec
	Errors      *prometheus.CounterVec
	LastPass    prometheus.Gauge
}

// NewMetrics registers the reconciler's metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		StepSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "partnerka_reconcile_step_seconds", Help: "Time one run of a reconciler step took.",
			Buckets: []float64{.001, .005, .02, .1, .5, 2, 10, 60}}, []string{"step"}),
		Items: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "partnerka_reconcile_items_total", Help: "Items (clicks, purchases, postbacks...) a reconciler step handled."}, []string{"step"}),
		Errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "partnerka_reconcile_errors_total", Help: "Reconciler step runs that failed (the pass stops and is retried)."}, []string{"step"}),
		LastPass: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "partnerka_reconcile_last_pass_timestamp_seconds", Help: "When the last reconciler pass completed without an error (Unix time)."}),
	}
	reg.MustRegister(m.StepSeconds, m.Items, m.Errors, m.LastPass)
	return m
}

func (m *Metrics) step(name string, n int, took time.Duration, err error) {
	if m == nil {
		return
	}
	m.StepSeconds.WithLabelValues(name).Observe(took.Seconds())
	m.Items.WithLabelValues(name).Add(float64(n))
	if err != nil {
		m.Errors.WithLabelValues(name).Inc()
	}
}

func (m *Metrics) passed(at time.Time) {
	if m != nil {
		m.LastPass.Set(float64(at.UnixNano()) / 1e9)
	}
}

// BacklogCollector reports, at each scrape, what waits for the reconciler:
// the stream entries it has not acknowledged, and the outbox messages
// (postbacks, notices) not delivered yet, waiting or given up. Each scrape
// costs one indexed query and one XINFO per stream.
type BacklogCollector struct {
	DB    *storage.DB
	Redis *storage.Redis
}

var (
	streamBacklogDesc = prometheus.NewDesc("partnerka_stream_backlog",
		"Stream entries the reconciler has not acknowledged yet.", []string{"stream"}, nil)
	outboxDesc = prometheus.NewDesc("partnerka_outbox_messages",
		"Outbox messages not delivered yet, by kind and state (waiting, given_up).", []string{"kind", "state"}, nil)
)

// Describe implements prometheus.Collector.
func (c *BacklogCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- streamBacklogDesc
	ch <- outboxDesc
}

// Collect implements prometheus.Collector. What cannot be read is left
// out rather than reported as zero.
func (c *BacklogCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	streams, err := c.Redis.ClickShards(ctx)
	if err != nil {
		streams = []string{storage.ClickStream}
	}
	for _, stream := range append(streams, storage.LeadStream) {
		if n, err := c.Redis.Backlog(ctx, stream); err == nil {
			ch <- prometheus.MustNewConstMetric(streamBacklogDesc, prometheus.GaugeValue, float64(n), stream)
		}
	}
	counts, err := c.DB.OutboxBacklog(ctx)
	if err != nil {
		return
	}
	seen := map[[2]string]bool{}
	for _, o := range counts {
		state := "waiting"
		if o.GivenUp {
			state = "given_up"
		}
		seen[[2]string{o.Kind, state}] = true
		ch <- prometheus.MustNewConstMetric(outboxDesc, prometheus.GaugeValue, float64(o.N), o.Kind, state)
	}
	for _, kind := range []string{"postback", "notice"} { // an empty backlog is 0, not absent
		for _, state := range []string{"waiting", "given_up"} {
			if !seen[[2]string{kind, state}] {
				ch <- prometheus.MustNewConstMetric(outboxDesc, prometheus.GaugeValue, 0, kind, state)
			}
		}
	}
}
