// BatchNorm over the last axis. Batch statistics are summed in double per task (contiguous row
// ranges), and the task sums added in task order, so they do not depend on the thread count.
//
// Backward with batch statistics (m = rows, xhat = (x - mean) * inv_std):
//   dbeta = sum dy, dgamma = sum dy * xhat,
//   dx = gamma * inv_std / m * (m * dy - dbeta - xhat * dgamma)
// With moving statistics (inference mode) the layer is affine: dx = dy * gamma * inv_std.
#include <cmath>

#include "host/train/layers.h"

namespace mote::train {

namespace {
constexpr double kValuesPerTask = 65536;

// Per-channel sums over rows, task by task, then in task order: out[c] = sum_rows f(row, c).
template <typename F>
std::vector<double> channel_sums(const RunContext& ctx, int rows, int C, F f) {
  const int tasks = task_count(rows, C, kValuesPerTask);
  std::vector<double> partial(static_cast<size_t>(tasks) * C, 0.0);
  ctx.parallel(tasks, [&](int t) {
    int r0, r1;
    split_range(rows, tasks, t, &r0, &r1);
    double* p = partial.data() + static_cast<size_t>(t) * C;
    for (int r = r0; r < r1; ++r)
      for (int c = 0; c < C; ++c) p[c] += f(r, c);
  });
  std::vector<double> out(static_cast<size_t>(C), 0.0);
  for (int t = 0; t < tasks; ++t)
    for (int c = 0; c < C; ++c) out[c] += partial[static_cast<size_t>(t) * C + c];
  return out;
}

// fn(r0, r1) over contiguous row ranges in parallel.
template <typename F>
void for_rows(const RunContext& ctx, int rows, int C, F fn) {
  const int tasks = task_count(rows, C, kValuesPerTask);
  ctx.parallel(tasks, [&](int t) {
    int r0, r1;
    split_range(rows, tasks, t, &r0, &r1);
    fn(r0, r1);
  });
}
}  // namespace

Shape BatchNorm::build(const std::vector<Shape>& inputs, Rng&) {
  expect_inputs(inputs, 1, -1, "");
  if (inputs[0].empty() || inputs[0].back() < 1) fail("needs a channel axis (the last)");
  if (!(o_.momentum >= 0.0f && o_.momentum <= 1.0f) || !(o_.epsilon > 0.0f))
    fail("momentum must be in [0, 1] and epsilon > 0, got " + std::to_string(o_.momentum) + " and " +
         std::to_string(o_.epsilon));
  c_ = inputs[0].back();
  gamma_.value = Tensor({c_}, 1.0f);
  gamma_.grad = Tensor({c_});
  beta_.value = Tensor({c_});
  beta_.grad = Tensor({c_});
  moving_mean_ = Tensor({c_});
  moving_var_ = Tensor({c_}, 1.0f);
  return inputs[0];
}

std::vector<Param*> BatchNorm::params() { return {&gamma_, &beta_}; }

std::vector<std::pair<std::string, Tensor*>> BatchNorm::buffers() {
  return {{"moving_mean", &moving_mean_}, {"moving_variance", &moving_var_}};
}

void BatchNorm::forward(const std::vector<const Tensor*>& in, Tensor& out, const RunContext& ctx) {
  const Tensor& x = *in[0];
  out.resize(x.shape());
  const int C = c_, rows = static_cast<int>(x.size() / static_cast<size_t>(C));
  const float* xd = x.data();
  mean_.resize(static_cast<size_t>(C));
  inv_std_.resize(static_cast<size_t>(C));
  batch_stats_ = ctx.training;
  if (ctx.training) {
    const std::vector<double> sum = channel_sums(ctx, rows, C, [&](int r, int c) {
      return static_cast<double>(xd[static_cast<size_t>(r) * C + c]);
    });
    std::vector<double> mean(static_cast<size_t>(C));
    for (int c = 0; c < C; ++c) mean[c] = sum[c] / rows;
    const std::vector<double> sq = channel_sums(ctx, rows, C, [&](int r, int c) {
      const double d = xd[static_cast<size_t>(r) * C + c] - mean[c];
      return d * d;
    });
    const float m = o_.momentum;
    for (int c = 0; c < C; ++c) {
      const double var = sq[c] / rows;
      mean_[c] = static_cast<float>(mean[c]);
      inv_std_[c] = static_cast<float>(1.0 / std::sqrt(var + o_.epsilon));
      moving_mean_.at(c) = m * moving_mean_.at(c) + (1.0f - m) * static_cast<float>(mean[c]);
      moving_var_.at(c) = m * moving_var_.at(c) + (1.0f - m) * static_cast<float>(var);
    }
  } else {
    for (int c = 0; c < C; ++c) {
      mean_[c] = moving_mean_.at(c);
      inv_std_[c] = static_cast<float>(1.0 / std::sqrt(static_cast<double>(moving_var_.at(c)) + o_.epsilon));
    }
  }
  const float* g = gamma_.value.data();
  const float* b = beta_.value.data();
  for_rows(ctx, rows, C, [&](int r0, int r1) {
    for (int r = r0; r < r1; ++r) {
      const float* xr = xd + static_cast<size_t>(r) * C;
      float* yr = out.data() + static_cast<size_t>(r) * C;
      for (int c = 0; c < C; ++c) yr[c] = (xr[c] - mean_[c]) * inv_std_[c] * g[c] + b[c];
    }
  });
}

void BatchNorm::backward(const std::vector<const Tensor*>& in, const Tensor&, const Tensor& dout,
                         const std::vector<Tensor*>& din, const RunContext& ctx) {
  const Tensor& x = *in[0];
  const int C = c_, rows = static_cast<int>(x.size() / static_cast<size_t>(C));
  const float* xd = x.data();
  const float* dy = dout.data();
  const std::vector<double> dbeta = channel_sums(ctx, rows, C, [&](int r, int c) {
    return static_cast<double>(dy[static_cast<size_t>(r) * C + c]);
  });
  const std::vector<double> dgamma = channel_sums(ctx, rows, C, [&](int r, int c) {
    const size_t i = static_cast<size_t>(r) * C + c;
    return static_cast<double>(dy[i]) * ((xd[i] - mean_[c]) * inv_std_[c]);
  });
  for (int c = 0; c < C; ++c) {
    beta_.grad.at(c) = static_cast<float>(dbeta[c]);
    gamma_.grad.at(c) = static_cast<float>(dgamma[c]);
  }
  if (din.empty() || !din[0]) return;
  std::vector<float> k(static_cast<size_t>(C)), mb(static_cast<size_t>(C)), mg(static_cast<size_t>(C));
  for (int c = 0; c < C; ++c) {
    k[c] = gamma_.value.at(c) * inv_std_[c];
    mb[c] = batch_stats_ ? static_cast<float>(dbeta[c] / rows) : 0.0f;
    mg[c] = batch_stats_ ? static_cast<float>(dgamma[c] / rows) : 0.0f;
  }
  float* dx = din[0]->data();
  for_rows(ctx, rows, C, [&](int r0, int r1) {
    for (int r = r0; r < r1; ++r) {
      const size_t o = static_cast<size_t>(r) * C;
      for (int c = 0; c < C; ++c) {
        const float xhat = (xd[o + c] - mean_[c]) * inv_std_[c];
        dx[o + c] = k[c] * (dy[o + c] - mb[c] - xhat * mg[c]);
      }
    }
  });
}

}  // namespace mote::train
