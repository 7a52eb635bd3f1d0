"""archsim.gpu package."""
