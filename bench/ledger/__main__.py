from bench.ledger.run import main

raise SystemExit(main())
