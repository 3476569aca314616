package commissions

import (
	"context"

	"partnerka"
	"partnerka/storage"
)

// PartitionStep keeps click partitions created for this month and the next
// two, so clicks never land in the default partition in normal operation.
type PartitionStep struct {
	DB  *storage.DB
	Now partnerka.Clock
}

// Name implements Step.
func (s *PartitionStep) Name() string { return "partitions" }

// Run implements Step.
func (s *PartitionStep) Run(ctx context.Context) (int, error) {
	return 0, s.DB.EnsureClickPartitions(ctx, s.Now(), 2)
}
