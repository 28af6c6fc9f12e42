from coalition_data.cli import main

raise SystemExit(main())
