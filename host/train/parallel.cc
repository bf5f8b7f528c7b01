#include "host/train/parallel.h"

namespace mote::train {

namespace {
thread_local bool in_task = false;

// How long an idle worker polls for the next run before it sleeps on the condition variable:
// layers start runs back to back, and waking a sleeping thread costs tens of microseconds.
constexpr int kSpinRounds = 4000;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}
}  // namespace

ThreadPool::ThreadPool(int threads) {
  if (threads <= 0) threads = static_cast<int>(std::thread::hardware_concurrency());
  if (threads <= 0) threads = 1;
  for (int i = 1; i < threads; ++i) workers_.emplace_back([this] { worker_loop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ThreadPool::work_on(const std::function<void(int)>& fn, int tasks) {
  const bool was = in_task;
  in_task = true;
  for (;;) {
    const int t = next_.fetch_add(1, std::memory_order_relaxed);
    if (t >= tasks) break;
    try {
      fn(t);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu_);
      if (!error_) error_ = std::current_exception();
    }
  }
  in_task = was;
}

void ThreadPool::worker_loop() {
  unsigned seen = 0;
  for (;;) {
    const std::function<void(int)>* fn;
    int tasks;
    for (int i = 0; i < kSpinRounds && published_.load(std::memory_order_acquire) == seen; ++i) cpu_relax();
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [&] { return stop_ || (fn_ && generation_ != seen); });
      if (stop_) return;
      seen = generation_;
      fn = fn_;
      tasks = tasks_;
      ++active_;
    }
    work_on(*fn, tasks);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (--active_ == 0) done_.notify_one();
    }
  }
}

void ThreadPool::run(int tasks, const std::function<void(int)>& fn) {
  if (tasks <= 0) return;
  if (in_task || workers_.empty() || tasks == 1) {
    struct Restore {  // in_task comes back even when a task throws
      bool was;
      ~Restore() { in_task = was; }
    } restore{in_task};
    in_task = true;
    for (int t = 0; t < tasks; ++t) fn(t);  // exceptions propagate directly
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    fn_ = &fn;
    tasks_ = tasks;
    next_.store(0, std::memory_order_relaxed);
    error_ = nullptr;
    ++generation_;
    published_.store(generation_, std::memory_order_release);
  }
  wake_.notify_all();
  work_on(fn, tasks);
  // The workers usually finish within microseconds of the caller: poll before sleeping.
  for (int i = 0; i < kSpinRounds && active_.load(std::memory_order_acquire) != 0; ++i) cpu_relax();
  std::exception_ptr error;
  {
    std::unique_lock<std::mutex> lock(mu_);
    fn_ = nullptr;  // no worker registers from here on
    done_.wait(lock, [&] { return active_.load() == 0; });
    error = error_;
    error_ = nullptr;
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace mote::train
