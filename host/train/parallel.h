// mote trainer — a small fixed thread pool.
//
// run(tasks, fn) calls fn(t) once for every t in [0, tasks) and returns when all calls are done;
// the calling thread works too. Tasks are handed out dynamically, so which thread runs a task
// varies — code stays deterministic by giving every task its own output (or its own partial sum
// that the caller then adds up in task order). Results then depend only on how the work is cut
// into tasks, never on the number of threads or on scheduling.
//
// A run() issued from inside a task executes serially on that thread (no nested parallelism). The
// first exception thrown by a task is rethrown by run() after all tasks have finished.
//
//   mote::train::ThreadPool pool(2);
//   std::vector<double> partial(16);
//   pool.run(16, [&](int t) { partial[t] = sum_of_chunk(t); });
//   double total = 0; for (double p : partial) total += p;   // fixed order
#pragma once

#include <atomic>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace mote::train {

class ThreadPool {
 public:
  // threads <= 0: std::thread::hardware_concurrency() (at least 1).
  explicit ThreadPool(int threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const { return static_cast<int>(workers_.size()) + 1; }
  void run(int tasks, const std::function<void(int)>& fn);

 private:
  void worker_loop();
  void work_on(const std::function<void(int)>& fn, int tasks);

  // A worker joins a run only by registering (active_++) under the mutex while the run is
  // current; run() returns once its own share is done and no registered worker is left. A worker
  // that wakes late (the machine is busy) finds no task left and costs the caller nothing.
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable wake_, done_;
  const std::function<void(int)>* fn_ = nullptr;  // null between runs
  int tasks_ = 0;
  std::atomic<int> next_{0};
  std::atomic<int> active_{0};  // workers registered in the current run (changed under mu_)
  unsigned generation_ = 0;
  std::atomic<unsigned> published_{0};  // generation_, readable without the mutex (for spinning)
  bool stop_ = false;
  std::exception_ptr error_;
};

// Splits [0, n) into `parts` nearly equal contiguous ranges; range i is [begin, end).
inline void split_range(int n, int parts, int i, int* begin, int* end) {
  const long long b = static_cast<long long>(n) * i / parts;
  const long long e = static_cast<long long>(n) * (i + 1) / parts;
  *begin = static_cast<int>(b);
  *end = static_cast<int>(e);
}

}  // namespace mote::train
