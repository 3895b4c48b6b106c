# Kinga — the two commands a newcomer needs:
#   make demo   builds Kinga and opens it on fictional demo data
#   make test   runs every test (unit, headless screen and end-to-end tmux tests)
# Both install the Debian packages they need when missing (as root, or with sudo when it needs no password),
# and otherwise print the exact command to run.

SWIFT ?= swift
BUILD_PACKAGES = libncurses-dev libsqlite3-dev libsodium-dev libssl-dev zlib1g-dev python3-pip python3-setuptools python3-wheel libgettextpo-dev libpango1.0-dev libcairo2-dev fonts-dejavu-core
TEST_PACKAGES = $(BUILD_PACKAGES) tmux sqlite3 locales gettext fzf util-linux poppler-utils postgresql
SHOT_PACKAGES = tmux python3 python3-pyte python3-pil fonts-dejavu-core fonts-unifont

BENCH_DIR ?= $(or $(TMPDIR),/tmp)/kinga-bench

.PHONY: demo run build server test bench bench-sync simulate-long reliability-long reliability-sync-long sqlcipher deps-build deps-test deps-server deps-screenshots screenshots clean

demo: deps-build sqlcipher build
	.build/debug/kinga --demo

run: deps-build sqlcipher build
	.build/debug/kinga

build: deps-build sqlcipher
	$(SWIFT) build

# A district server on this machine (issue #18): its own PostgreSQL in a folder on a Unix socket, then HTTPS on
# port 8443 (PORT=…). See the README, "The district server".
server: deps-server
	$(SWIFT) build --product kinga-server
	scripts/server.sh

test: deps-test sqlcipher
	$(SWIFT) build
	$(SWIFT) test
	@echo "Model tests again under two far-apart time zones (date-only values must not move):"
	TZ=Pacific/Kiritimati $(SWIFT) test --skip-build --filter ModelTests
	TZ=America/Adak $(SWIFT) test --skip-build --filter ModelTests
	@echo "The Storage and screen tests again, every store encrypted (issue #17):"
	KINGA_TESTS_ENCRYPTED=1 $(SWIFT) test --skip-build --filter "StorageTests|TUITests"
	@echo "The reliability suite, short (kills, concurrent writers, database faults, odd terminals):"
	.build/debug/kinga-reliability --json $(BENCH_DIR)-ci-reliability.json
	@echo "The district link under faults, short (a real PostgreSQL, kinga-server and three kiosks; drops, cuts, kills):"
	.build/debug/kinga-reliability --sync --json $(BENCH_DIR)-ci-reliability-sync.json
	@echo "The benchmark harness, short (2,000 cases, debug build; figures not meaningful, only that it works):"
	.build/debug/kinga-bench --sizes 2000 --quick --data-dir $(BENCH_DIR)-ci
	@echo "The district link's benchmark, short (a real server, PostgreSQL and kiosks; debug build; only that it works):"
	.build/debug/kinga-bench sync --quick
	@echo "The district simulation, short (40 kiosks, 10,000 random operations, PostgreSQL killed twice; nothing lost or overwritten):"
	.build/debug/kinga-bench simulate --quick

# The long reliability run (issue #7): 300 kills and more concurrent writes; several minutes.
reliability-long: deps-test sqlcipher
	$(SWIFT) build
	.build/debug/kinga-reliability --long

# The district link's long fault run (issue #19): 60 rounds of syncs under drops, cuts, resets, half-open links
# and kills of kiosks, the server and PostgreSQL; about 12 minutes.
reliability-sync-long: deps-test sqlcipher
	$(SWIFT) build
	.build/debug/kinga-reliability --sync --long

# The full benchmark (issue #6): release build, 10,000 / 100,000 / 1,000,000 fictional cases. The first run
# generates the archives (about 10 GB and half an hour at 1,000,000); later runs reuse them.
bench: deps-test sqlcipher
	$(SWIFT) build -c release --product kinga
	$(SWIFT) run -c release kinga-bench --data-dir $(BENCH_DIR)

# The district link's figures (issue #18): a day's push and a new kiosk's pull, on loopback and at 64 kbit/s, and
# the server's apply rate against PostgreSQL; a few minutes.
bench-sync: deps-test sqlcipher
	$(SWIFT) build -c release --product kinga
	$(SWIFT) build -c release --product kinga-server
	$(SWIFT) run -c release kinga-bench sync

# The district simulation (issue #19): 1,000 kiosks and 250,000 random operations with faults against one
# PostgreSQL, release build; about 35 minutes (README). SIM_OPERATIONS=1000000 asks for the million, which
# takes over two hours until pulls read through the catchment.
SIM_OPERATIONS ?= 250000
simulate-long: deps-test sqlcipher
	$(SWIFT) build -c release --product kinga-bench
	.build/release/kinga-bench simulate --operations $(SIM_OPERATIONS) --crashes 10 --json $(BENCH_DIR)-simulate.json

screenshots: deps-screenshots sqlcipher build
	scripts/screenshots.sh

# The encrypting SQLite (SQLCipher with FTS5, issue #17), fetched with a pinned hash and built once into
# .build-deps/sqlcipher; every Swift build links it instead of Debian's libsqlite3.
sqlcipher: deps-build
	@scripts/sqlcipher.sh

deps-build:
	@scripts/ensure-packages.sh $(BUILD_PACKAGES)

deps-test:
	@scripts/ensure-packages.sh $(TEST_PACKAGES)

deps-server:
	@scripts/ensure-packages.sh postgresql libssl-dev zlib1g-dev

deps-screenshots:
	@scripts/ensure-packages.sh $(SHOT_PACKAGES)

clean:
	rm -rf .build
