"""Testing a Steppe project (docs/reference.md §13): the pytest plugin (`plugin`, fixture
`steppe`), the server a test run drives (`server`, `bench`), and what `steppe test`
runs for each language (`discovery`, `suites`)."""
