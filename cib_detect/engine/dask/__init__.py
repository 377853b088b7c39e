"""The engine on a Dask cluster: input (:mod:`.input`), shuffled chunks (:mod:`.chunks`)
and posts (:mod:`.posts`). Dask is imported only when a Dask run starts."""
