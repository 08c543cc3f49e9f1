// common::OrderedBatches: whatever order the workers finish in, batches come back in the order
// they were submitted, each worked on once; a failure on a worker comes back in its batch's place.
#include "common/ordered_batches.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace fa::common {
namespace {

struct Numbers {
  std::vector<std::int64_t> in, out;  // squares reach 49,999^2, past int
  std::size_t worker = 0;
};

TEST(OrderedBatches, BatchesComeBackInSubmissionOrder) {
  // Each batch holds 100 consecutive numbers; a worker squares them. 500 batches through 5
  // slots (2 workers x 2 + 1), so every slot is reused many times.
  OrderedBatches<Numbers> batches(2, [](Numbers& b, std::size_t worker) {
    b.out.clear();
    for (std::int64_t v : b.in)
      b.out.push_back(v * v);
    b.worker = worker;
  });
  std::vector<std::int64_t> results;
  std::vector<std::size_t> workersSeen(2, 0);
  auto take = [&](Numbers& b) {
    results.insert(results.end(), b.out.begin(), b.out.end());
    ++workersSeen.at(b.worker);
  };
  for (int batch = 0; batch < 500; ++batch) {
    Numbers& b = batches.next(take);
    b.in.clear();
    for (int i = 0; i < 100; ++i)
      b.in.push_back(batch * 100 + i);
    batches.submit();
  }
  batches.drain(take);
  ASSERT_EQ(results.size(), 50000u);
  for (std::int64_t i = 0; i < 50000; ++i)
    ASSERT_EQ(results[static_cast<std::size_t>(i)], i * i) << "at " << i;
  EXPECT_EQ(workersSeen[0] + workersSeen[1], 500u);
}

TEST(OrderedBatches, AFailureComesBackInItsBatchsPlace) {
  OrderedBatches<Numbers> batches(2, [](Numbers& b, std::size_t) {
    if (b.in.at(0) == 7) throw std::runtime_error("batch 7 failed");
    b.out = b.in;
  });
  std::vector<std::int64_t> taken;
  auto take = [&](Numbers& b) { taken.push_back(b.out.at(0)); };
  try {
    for (int batch = 0; batch < 20; ++batch) {
      Numbers& b = batches.next(take);
      b.in = {batch};
      batches.submit();
    }
    batches.drain(take);
    FAIL() << "the failure of batch 7 was lost";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "batch 7 failed");
  }
  EXPECT_EQ(taken, (std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6}));
}

}  // namespace
}  // namespace fa::common
