--- :checkhealth bqw finds this file; the check itself is Neovim's part of bqw.
return require("bqw.nvim.health")
