from django.urls import path

from . import views

app_name = "duty"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("people/", views.people, name="people"),
    path("people/<int:pk>/certificate.pdf", views.certificate, name="certificate"),
    path("posts/", views.posts, name="posts"),
    path("rosters/<int:pk>/", views.roster_detail, name="roster"),
    path("rosters/<int:pk>/solve/", views.roster_action, {"action": "solve"}, name="solve"),
    path("rosters/<int:pk>/publish/", views.roster_action, {"action": "publish"}, name="publish"),
    path("rosters/<int:pk>/print.pdf", views.roster_pdf, name="roster_pdf"),
    path("rosters/<int:pk>/export.xlsx", views.roster_xlsx, name="roster_xlsx"),
    path("shifts/<int:pk>/", views.shift_edit, name="shift_edit"),
    path("mine/", views.my_shifts, name="mine"),
    path("mine/<int:pk>/check-in/", views.check_in_out, {"direction": "in"}, name="check_in"),
    path("mine/<int:pk>/check-out/", views.check_in_out, {"direction": "out"}, name="check_out"),
    path("mine/<int:pk>/swap/", views.ask_swap, name="ask_swap"),
    path("swaps/<int:pk>/", views.decide_swap, name="decide_swap"),
    path("projects/", views.projects, name="projects"),
    path("projects/<int:pk>/sign-up/", views.sign_up, name="sign_up"),
    path("signups/<int:pk>/", views.decide_signup, name="decide_signup"),
]
