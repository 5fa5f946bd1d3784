"""The officers' web pages on the one HTTP server (issue 11): routes in `bot.web.app`, sessions and signing in
`bot.web.auth`, files by signed link in `bot.web.files`, `/metrics` in `bot.web.metrics`.

Nothing is imported here, so that the composition root (`bot.app`) can use `bot.web.files` while `bot.web.app`
uses the composition root's `App`."""
