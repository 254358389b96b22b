// The session's thread boundary, on the tiny random Llama: a cancel inside a step's backward is a
// cancel (not a failure) and the run resumes to the same result as an uninterrupted one; a pause
// takes effect inside a step; a schedule posted during a step takes effect at the next one and is
// logged with it; schedule replacement and posterior queries never wait on a posterior being
// computed; a cancel while paused ends the run. Points inside a step are reached by counting the
// token's checks (deterministic), never by sleeping.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <atomic>
#include <future>
#include <thread>

#include "engine/core/atomic_file.h"
#include "engine/core/cancel.h"
#include "engine/core/error.h"
#include "engine/quant/qat_session.h"
#include "engine/quant/quantized_checkpoint.h"
#include "engine/quant/run_folder.h"
#include "tests/quant/tiny_model.h"
#include "tests/support/test_support.h"

using namespace bcjr::quant;
using bcjr::CancelToken;
using bcjr::test::TempDir;

namespace {

constexpr auto kHang = std::chrono::seconds(60);  // "never returned": a failure, not a timing

std::vector<double> kl_of(const std::string& dir) {
  std::vector<double> kl;
  for (const auto& j : RunFolder::open(dir).read_metrics()) kl.push_back(j.at("kl").get<double>());
  return kl;
}

// Calls `act` once, at the first check on the session's own thread that comes inside the backward
// pass of step `step` (global): the student forward runs with gradients recorded, the backward
// without, and the checks before the forward (the teacher, the frozen layers) come before any
// recorded one.
class InsideBackward {
 public:
  InsideBackward(QatSession& s, int64_t step, std::function<void()> act,
                 std::function<void(const StepMetrics&)> on_step = {})
      : act_(std::move(act)), step_(step) {
    s.set_metrics_callback([this, on_step](const StepMetrics& m) {
      done_ = m.step + 1;
      if (on_step) on_step(m);
    });
    s.cancel_token().set_check_hook([this](int64_t) {
      if (fired_ || done_ != step_ || std::this_thread::get_id() != thread_) return;
      if (torch::GradMode::is_enabled()) forward_seen_ = true;
      else if (forward_seen_) {
        fired_ = true;
        act_();
      }
    });
  }
  bool fired() const { return fired_; }

 private:
  std::function<void()> act_;
  int64_t step_;
  std::thread::id thread_ = std::this_thread::get_id();  // run() is called on the test's thread
  std::atomic<int64_t> done_{0};
  bool forward_seen_ = false, fired_ = false;
};

QatConfig tiny_run(TempDir& dir, int steps) {
  auto model = bcjr::test::write_tiny_llama(dir.file("model"), 3);
  auto tokens = bcjr::test::write_token_ids(dir.file("tokens.npy"), 400, 64, 4);
  auto c = bcjr::test::tiny_qat_run(model, tokens);
  c.steps = steps;
  c.lr = 2e-3;
  return c;
}

}  // namespace

// LibTorch's autograd engine turns what a backward function throws into a c10::Error; a cancel in
// the BCJR VJP must still reach the caller as bcjr::Cancelled, and the run must resume from its
// last finished step to the same result.
TEST(QatThreads, CancelInsideABackwardIsACancelAndResumesToTheSameResult) {
  TempDir dir;
  auto c = tiny_run(dir, 3);
  c.checkpoint_every = 2;  // the cancel's own checkpoint is what resume starts from
  QatSession::create(c, dir.file("a"))->run();

  auto b = QatSession::create(c, dir.file("b"));
  InsideBackward at(*b, 1, [&] { b->cancel(); });
  EXPECT_THROW(b->run(), bcjr::Cancelled);
  EXPECT_TRUE(at.fired());
  EXPECT_EQ(kl_of(dir.file("b")).size(), 1u);  // step 1 did not finish
  EXPECT_NE(bcjr::read_file(dir.file("b/log.txt")).find("cancelled after step 1"), std::string::npos);
  QatSession::resume(dir.file("b"))->run();

  auto ka = kl_of(dir.file("a")), kb = kl_of(dir.file("b"));
  ASSERT_EQ(ka.size(), 3u);
  ASSERT_EQ(kb.size(), 3u);
  for (size_t i = 0; i < ka.size(); ++i) EXPECT_EQ(ka[i], kb[i]) << "step " << i;
  QuantParams p;
  auto qa = load_quantized_linears(dir.file("a/snapshots/quantized.ckpt"), &p);
  auto qb = load_quantized_linears(dir.file("b/snapshots/quantized.ckpt"), &p);
  for (const auto& kv : qa) EXPECT_TRUE(kv.second.states.equal(qb.at(kv.first).states)) << linear_label(kv.first);
}

// A pause inside a step holds the run there (the step does not finish) while posteriors can still
// be asked for; continuing finishes it. A cancel while paused ends the run.
TEST(QatThreads, PauseInsideAStepThenCancelWhilePaused) {
  TempDir dir;
  auto c = tiny_run(dir, 4);
  c.eval_before_after = false;
  auto s = QatSession::create(c, dir.file("run"));
  std::atomic<bool> paused_inside{false};
  std::atomic<int> steps{0};
  InsideBackward at(
      *s, 1,
      [&] {
        s->pause();
        paused_inside = true;
      },
      [&](const StepMetrics&) { ++steps; });
  auto controller = std::async(std::launch::async, [&] {
    while (!paused_inside) std::this_thread::yield();
    // The run is held inside step 1 (it cannot finish it while paused): ask for a posterior.
    auto v = s->tile_posterior(0, "q_proj", 0, 0.1);
    EXPECT_EQ(v.steps, 128);
    EXPECT_EQ(steps.load(), 1);
    s->cancel();  // while paused
  });
  EXPECT_THROW(s->run(), bcjr::Cancelled);
  controller.get();
  EXPECT_TRUE(at.fired());
  EXPECT_EQ(kl_of(dir.file("run")).size(), 1u);
}

// A schedule posted during step 1 is taken at the start of step 2, and the log names step 2 (the
// training thread's own counter, not one read from the posting thread).
TEST(QatThreads, AScheduleReplacedDuringAStepTakesEffectAtTheNextAndIsLoggedSo) {
  TempDir dir;
  auto c = tiny_run(dir, 3);
  c.eval_before_after = false;
  c.schedule = TemperatureSchedule::constant(0.2);
  auto s = QatSession::create(c, dir.file("run"));
  std::vector<double> temps;
  InsideBackward at(
      *s, 1,
      [&] {
        // From another thread, as the GUI would, and waited for here so that it lands inside step 1.
        std::async(std::launch::async, [&] { s->replace_schedule(TemperatureSchedule::constant(0.07)); }).get();
      },
      [&](const StepMetrics& m) { temps.push_back(m.T); });
  s->run();
  EXPECT_TRUE(at.fired());
  ASSERT_EQ(temps.size(), 3u);
  EXPECT_NEAR(temps[1], 0.2, 1e-12);
  EXPECT_NEAR(temps[2], 0.07, 1e-12);
  const std::string log = bcjr::read_file(dir.file("run/log.txt"));
  EXPECT_NE(log.find("schedule replaced before step 2"), std::string::npos) << log;
}

// While a posterior is being computed on one thread, replacing the schedule (the GUI thread) and
// another posterior query return without waiting for it: no lock is held across a computation.
TEST(QatThreads, NeitherScheduleReplacementNorAQueryWaitsOnAPosteriorBeingComputed) {
  TempDir dir;
  auto c = tiny_run(dir, 30);
  c.eval_before_after = false;
  auto s = QatSession::create(c, dir.file("run"));
  std::atomic<int> steps{0};
  s->set_metrics_callback([&](const StepMetrics& m) {
    if (m.step == 0) s->pause();
    ++steps;
  });
  auto training = std::async(std::launch::async, [&] {
    try {
      s->run();
    } catch (const bcjr::Cancelled&) {
    }
  });
  while (steps.load() < 1) std::this_thread::yield();

  // The posterior worker: its computation is held at its first check until released.
  std::promise<void> entered, release;
  auto released = release.get_future().share();
  auto worker = std::async(std::launch::async, [&] {
    auto token = std::make_shared<CancelToken>();
    token->set_check_hook([&, fired = false](int64_t) mutable {
      if (fired) return;
      fired = true;
      entered.set_value();
      released.wait();
    });
    bcjr::CancelScope scope(token);
    return s->tile_posterior(0, "k_proj", 1, 0.2);
  });
  entered.get_future().wait();

  auto gui = std::async(std::launch::async, [&] { s->replace_schedule(TemperatureSchedule::constant(0.07)); });
  const bool replaced = gui.wait_for(kHang) == std::future_status::ready;
  EXPECT_TRUE(replaced) << "replace_schedule waited on a posterior computation";
  auto other = std::async(std::launch::async, [&] { return s->tile_posterior(0, "q_proj", 0, 0.1); });
  const bool answered = other.wait_for(kHang) == std::future_status::ready;
  EXPECT_TRUE(answered) << "a posterior query waited on another one's computation";
  release.set_value();
  EXPECT_EQ(worker.get().steps, 128);
  if (answered) {
    EXPECT_EQ(other.get().steps, 128);
  }
  s->cancel();
  training.get();
}
